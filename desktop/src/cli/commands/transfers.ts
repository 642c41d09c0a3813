import type {
  DataCryptSession,
  ReceiveResult,
  SendResult,
  TransferSummary,
} from '../../core/index.js';
import { isCodedError } from '../../core/index.js';
import { DataCryptError } from '@datacrypt/shared-crypto';
import { describeFailure, UsageError } from '../errors.js';
import { parseIntegerOption } from '../integer-option.js';
import { formatBytes } from '../progress.js';
import { defineCommand, type CommandContext } from '../registry.js';
import { print, SESSION_OPTIONS, withSession, type SessionFlags } from '../session-options.js';
import { waitForStopSignal } from '../signals.js';
import { followTransfer } from '../transfer-progress.js';

function when(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/u, 'Z');
}

function localState(t: TransferSummary): string {
  return t.local === null ? 'new' : t.local.state;
}

export const send = defineCommand({
  name: 'send',
  summary: 'encrypt and send files or folders to contacts',
  usage: ['datacrypt send FILE... --to EMAIL... [--expiry-days N] [--download-limit N]'],
  description: [
    'Encrypts the files and folders (one transfer) to every recipient, signs it with your key and',
    'uploads it to the relay, which only ever sees ciphertext. Recipients who are not contacts',
    'yet are added (their key pinned on first use). A recipient whose key changed blocks the',
    'send with E_KEY_CHANGED (old and new fingerprints shown) until you verify or accept it.',
    'An interrupted send continues with `datacrypt resume`.',
  ],
  options: {
    to: {
      type: 'string',
      multiple: true,
      value: 'EMAIL',
      description: 'a recipient (repeat for several)',
    },
    'expiry-days': {
      type: 'string',
      value: 'N',
      description: 'days until the relay deletes it (relay default when omitted)',
    },
    'download-limit': {
      type: 'string',
      value: 'N',
      description: 'downloads allowed (unlimited when omitted)',
    },
    ...SESSION_OPTIONS,
  },
  positionals: { name: 'FILE...', description: 'files and folders to send', max: null },
  examples: [
    'datacrypt send report.pdf --to bob@example.com',
    'datacrypt send photos/ notes.txt --to bob@example.com --to carol@example.com --expiry-days 3',
  ],
  async run(values, positionals, context) {
    const { command } = context;
    if (positionals.length === 0) throw new UsageError('missing FILE', command);
    const to = values.to ?? [];
    if (to.length === 0) throw new UsageError('missing --to EMAIL', command);
    const expiryDays = parseIntegerOption(values['expiry-days'], '--expiry-days', 1, 3650, command);
    const downloadLimit = parseIntegerOption(
      values['download-limit'],
      '--download-limit',
      1,
      1_000_000,
      command,
    );
    return withSession(values, context, async (session) => {
      const handle = await session.transfers.send(positionals, to, {
        expiryDays,
        downloadLimit,
      });
      const result: SendResult = await followTransfer(
        handle,
        context.io,
        'sending',
        values.json === true,
      );
      print(context, values, result, [
        `Sent ${result.relayTransferId} to ${result.recipients.join(', ')} (${formatBytes(result.totalBytes)} encrypted), expires ${when(result.expiresAt)}.`,
      ]);
      return 0;
    });
  },
});

function listLines(items: TransferSummary[], direction: 'inbox' | 'sent'): string[] {
  if (items.length === 0) return [direction === 'inbox' ? 'The inbox is empty.' : 'Nothing sent.'];
  return items.map((t) => {
    const who =
      direction === 'inbox'
        ? `from ${t.sender} (${t.senderStatus ?? 'unknown'})`
        : `to ${t.recipients.join(', ')}`;
    const receipts =
      direction === 'sent'
        ? `  receipts: ${t.receipts.length === 0 ? 'none' : t.receipts.map((r) => `${r.recipient}${r.verified ? ' (verified)' : ' (NOT verified)'}`).join(', ')}`
        : '';
    return `${t.relayTransferId}  ${who}  ${formatBytes(t.size)}  ${t.status}, ${localState(t)}, expires ${when(t.expiresAt)}${receipts}`;
  });
}

export const inbox = defineCommand({
  name: 'inbox',
  summary: 'list transfers sent to you',
  usage: ['datacrypt inbox'],
  description: [
    "Lists the relay's transfers for you, newest first, with the sender's trust status and",
    'whether this profile received them already. Receive with `datacrypt receive`.',
  ],
  options: { ...SESSION_OPTIONS },
  positionals: null,
  async run(values, _positionals, context) {
    return withSession(values, context, async (session) => {
      const transfers = await session.transfers.inbox();
      print(context, values, { transfers }, listLines(transfers, 'inbox'));
      return 0;
    });
  },
});

export const sent = defineCommand({
  name: 'sent',
  summary: 'list your transfers with their receipts',
  usage: ['datacrypt sent'],
  description: [
    'Lists the transfers you sent, newest first, with downloads and delivery receipts (checked',
    "against each recipient's pinned key).",
  ],
  options: { ...SESSION_OPTIONS },
  positionals: null,
  async run(values, _positionals, context) {
    return withSession(values, context, async (session) => {
      const transfers = await session.transfers.sent();
      print(context, values, { transfers }, listLines(transfers, 'sent'));
      return 0;
    });
  },
});

function receivedLines(r: ReceiveResult): string[] {
  return [
    `Received ${r.relayTransferId} from ${r.sender} (${r.senderStatus}${r.senderPinnedNow ? ', key pinned now' : ''}):`,
    ...r.outputs.map((o) => `  ${o}`),
    ...(r.encryptedCopy === null ? [] : [`  encrypted copy: ${r.encryptedCopy}`]),
  ];
}

/** Receives one transfer, with a progress bar on a terminal. */
async function receiveOne(
  session: DataCryptSession,
  context: CommandContext,
  flags: SessionFlags,
  id: string,
  options: { outDir: string; keepEncryptedCopy: boolean },
): Promise<ReceiveResult> {
  const handle = await session.transfers.receive(id, options);
  return followTransfer(handle, context.io, 'receiving', flags.json === true);
}

export const receive = defineCommand({
  name: 'receive',
  summary: 'download, verify and decrypt transfers from the inbox',
  usage: ['datacrypt receive ID [-o DIR] [--keep-encrypted]', 'datacrypt receive --all [-o DIR]'],
  description: [
    'Downloads a transfer, checks every chunk and the signature of the sender against their',
    'pinned key, and only then puts the files into DIR (default: the current folder). With',
    '--all, every transfer of the inbox not received yet. --keep-encrypted also keeps the',
    'ciphertext as a .dcrypt file, which `datacrypt decrypt` opens later with no network.',
    'An interrupted receive keeps what it verified in a hidden .datacrypt-receiving-* folder in',
    'DIR and continues from there with `datacrypt resume`.',
  ],
  options: {
    all: { type: 'boolean', description: 'receive every transfer not received yet' },
    output: { type: 'string', short: 'o', value: 'DIR', description: 'the folder to write into' },
    'keep-encrypted': {
      type: 'boolean',
      description: 'also keep the encrypted .dcrypt copy in DIR',
    },
    ...SESSION_OPTIONS,
  },
  positionals: { name: 'ID', description: 'the transfer id (see `datacrypt inbox`)', max: 1 },
  examples: [
    'datacrypt receive --all -o ~/Downloads',
    'datacrypt receive 3f9a... --keep-encrypted',
  ],
  async run(values, positionals, context) {
    const { command } = context;
    const id = positionals.at(0);
    if ((id === undefined) === (values.all !== true)) {
      throw new UsageError('give a transfer ID or --all (not both)', command);
    }
    const options = {
      outDir: values.output ?? '.',
      keepEncryptedCopy: values['keep-encrypted'] === true,
    };
    return withSession(values, context, async (session) => {
      if (id !== undefined) {
        const result = await receiveOne(session, context, values, id, options);
        print(context, values, { received: [result], failed: [] }, receivedLines(result));
        return 0;
      }
      const pending = (await session.transfers.inbox()).filter(
        (t) => t.status === 'ready' && t.local?.state !== 'completed',
      );
      const received: ReceiveResult[] = [];
      const failed: { relayTransferId: string; code: string; message: string }[] = [];
      for (const t of pending) {
        try {
          const result = await receiveOne(session, context, values, t.relayTransferId, options);
          received.push(result);
          if (values.json !== true)
            context.io.stdout.write(`${receivedLines(result).join('\n')}\n`);
        } catch (error) {
          if (!isCodedError(error) && !(error instanceof DataCryptError)) throw error;
          const { line } = describeFailure(error);
          failed.push({
            relayTransferId: t.relayTransferId,
            code: error.code,
            message: error.message,
          });
          context.io.stderr.write(`${line} (transfer ${t.relayTransferId})\n`);
        }
      }
      if (values.json === true) print(context, values, { received, failed }, []);
      else if (pending.length === 0) context.io.stdout.write('Nothing new to receive.\n');
      return failed.length === 0 ? 0 : 1;
    });
  },
});

export const revoke = defineCommand({
  name: 'revoke',
  summary: 'delete a sent transfer from the relay',
  usage: ['datacrypt revoke ID'],
  description: [
    'Revokes a transfer you sent: the relay deletes it and recipients can no longer download it.',
  ],
  options: { ...SESSION_OPTIONS },
  positionals: { name: 'ID', description: 'the transfer id (see `datacrypt sent`)', max: 1 },
  async run(values, positionals, context) {
    const id = positionals.at(0);
    if (id === undefined) throw new UsageError('missing ID', context.command);
    return withSession(values, context, async (session) => {
      await session.transfers.revoke(id);
      print(context, values, { revoked: id }, `Revoked ${id}.`);
      return 0;
    });
  },
});

export const resume = defineCommand({
  name: 'resume',
  summary: 'continue interrupted sends and receives',
  usage: ['datacrypt resume'],
  description: [
    'Continues every unfinished transfer of this profile (after Ctrl-C, a kill or a crash): sends',
    'upload only the parts the relay lacks, receives continue from the last verified chunk.',
  ],
  options: { ...SESSION_OPTIONS },
  positionals: null,
  async run(values, _positionals, context) {
    return withSession(values, context, async (session) => {
      const handles = await session.transfers.resumePending();
      const done: (SendResult | ReceiveResult)[] = [];
      const failed: { id: string; code: string; message: string }[] = [];
      for (const handle of handles) {
        try {
          done.push(
            await followTransfer<SendResult | ReceiveResult>(
              handle,
              context.io,
              handle.direction === 'send' ? 'sending' : 'receiving',
              values.json === true,
            ),
          );
        } catch (error) {
          if (!isCodedError(error) && !(error instanceof DataCryptError)) throw error;
          failed.push({ id: handle.id, code: error.code, message: error.message });
          context.io.stderr.write(`${describeFailure(error).line} (transfer ${handle.id})\n`);
        }
      }
      print(
        context,
        values,
        { resumed: done, failed },
        handles.length === 0
          ? 'Nothing to resume.'
          : done.map((r) => `Finished ${r.relayTransferId}.`),
      );
      return failed.length === 0 ? 0 : 1;
    });
  },
});

export const watch = defineCommand({
  name: 'watch',
  summary: 'receive transfers live as they arrive, until Ctrl-C',
  usage: ['datacrypt watch [-o DIR] [--keep-encrypted]'],
  description: [
    'Stays connected to the relay (Socket.IO; reconnects and catches up on what it missed) and',
    'receives every transfer as it arrives, plus those already waiting, into DIR (default: the',
    'current folder). One line per transfer on stdout (with --json: one JSON object per line,',
    '{"event":"received",...} or {"event":"failed",...}). Ctrl-C stops it (exit status 0).',
    'On a relay that serves uploads live, a transfer is received while its sender uploads it; if',
    'the upload stalls longer than the relay waits, the receive fails (E_NETWORK) and continues',
    'from what it has verified once the upload is finalized.',
  ],
  options: {
    output: { type: 'string', short: 'o', value: 'DIR', description: 'the folder to write into' },
    'keep-encrypted': {
      type: 'boolean',
      description: 'also keep the encrypted .dcrypt copies in DIR',
    },
    ...SESSION_OPTIONS,
  },
  positionals: null,
  examples: ['datacrypt watch -o ~/Downloads'],
  async run(values, _positionals, context) {
    const { io } = context;
    const json = values.json === true;
    const line = (value: object, human: string): void => {
      io.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
    };
    const stopSignal = waitForStopSignal();
    try {
      return await withSession(values, context, async (session) => {
        const watching = await session.transfers.watch(
          {
            outDir: values.output ?? '.',
            keepEncryptedCopy: values['keep-encrypted'] === true,
          },
          {
            onReceived: (result) => {
              line({ event: 'received', ...result }, receivedLines(result).join('\n'));
            },
            onError: (relayTransferId, error) => {
              const { line: text } = describeFailure(error);
              const code =
                isCodedError(error) || error instanceof DataCryptError ? error.code : 'E_INTERNAL';
              if (json) line({ event: 'failed', relayTransferId, code, message: text }, text);
              else io.stderr.write(`${text} (transfer ${relayTransferId})\n`);
            },
          },
        );
        const email = (await session.status()).account?.email ?? '';
        io.stderr.write(`Watching for transfers to ${email} (Ctrl-C to stop).\n`);
        await stopSignal.signal;
        watching.stop();
        return 0;
      });
    } finally {
      stopSignal.release();
    }
  },
});
