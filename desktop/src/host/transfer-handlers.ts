/**
 * The transfer channels of the contract on `session.transfers` (the TransferEngine): send,
 * receive, pause/resume/cancel, inbox, sent, revoke, plus the progress events of every running
 * transfer this host started or resumed.
 * @module
 */
import { basename } from 'node:path';
import type { HandlerMap, InboxItem, LocalTransfer, RecipientState, SentItem } from '#shared';
import type { Transfer } from '../core/db/transfers.js';
import { CodedError } from '../core/errors.js';
import type {
  ReceiveResult,
  SendResult,
  TransferHandle,
  TransferProgress,
  TransferSummary,
} from '../core/transfers/types.js';
import { toIpcError } from './errors.js';
import type { HostRuntime } from './runtime.js';

type AnyHandle = TransferHandle<SendResult> | TransferHandle<ReceiveResult>;

/** Handles whose progress is already forwarded (one subscription per handle). */
const tracked = new WeakSet<AnyHandle>();
/** The plain-language message of a failed transfer, by local id (this process only). */
const failures = new Map<string, string>();

function record(host: HostRuntime, id: string): Transfer {
  const t = host.session().db.transfers.get(id);
  if (t === null) throw new CodedError('E_TRANSFER_STATE', `there is no transfer ${id} here`);
  return t;
}

function field(data: unknown, key: string): unknown {
  return typeof data === 'object' && data !== null && !Array.isArray(data)
    ? (data as Record<string, unknown>)[key]
    : undefined;
}

/** Where a receive writes and what it released, from its resume data. */
function receiveFacts(t: Transfer): { paths: string[]; outputs: string[] } {
  const outDir = field(t.resumeData, 'outDir');
  const outputs = field(t.resumeData, 'outputs');
  return {
    paths: typeof outDir === 'string' ? [outDir] : [],
    outputs: Array.isArray(outputs) ? outputs.filter((o) => typeof o === 'string') : [],
  };
}

/**
 * The contract view of a local transfer: the stored record, updated by the live snapshot when
 * it runs.
 */
function localView(t: Transfer, live: TransferProgress | null): LocalTransfer {
  const facts = t.direction === 'receive' ? receiveFacts(t) : { paths: t.localPaths, outputs: [] };
  const total = live !== null && live.totalBytes > 0 ? live.totalBytes : t.totalBytes;
  const state = live?.state ?? t.state;
  return {
    id: t.id,
    direction: t.direction,
    transferId: live?.relayTransferId ?? t.relayTransferId,
    state,
    bytes: live?.bytesDone ?? t.progressBytes,
    totalBytes: total,
    rateBps: live !== null && state === 'active' ? live.rateBps : 0,
    etaSeconds: live !== null && state === 'active' ? live.etaSeconds : null,
    paths: facts.paths,
    outputs: facts.outputs,
    errorCode: state === 'failed' ? (t.errorCode ?? 'E_INTERNAL') : null,
    errorMessage: state === 'failed' ? (failures.get(t.id) ?? null) : null,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

/** The view of local transfer `id` now (live when running). */
async function viewOf(host: HostRuntime, id: string): Promise<LocalTransfer> {
  const engine = await host.session().transfers.engine();
  return localView(record(host, id), engine.handle(id)?.progress() ?? null);
}

/**
 * Forwards a running transfer's progress as `transfer:progress` events, and its end (completed,
 * failed with code and message, cancelled, stopped) as a last one.
 * @example
 * track(host, await session.transfers.send(paths, to));
 */
export function track(host: HostRuntime, handle: AnyHandle): void {
  if (tracked.has(handle)) return;
  tracked.add(handle);
  const id = handle.id;
  const forward = (p: TransferProgress): void => {
    const t = host.session().db.transfers.get(id);
    if (t !== null) host.emit('transfer:progress', localView(t, p));
  };
  handle.on('progress', forward);
  const finish = (): void => {
    handle.off('progress', forward);
    const t = host.session().db.transfers.get(id);
    if (t !== null) host.emit('transfer:progress', localView(t, null));
  };
  handle.done.then(
    (result) => {
      if (handle.direction === 'receive' && 'sender' in result) {
        host.markSeen([result.relayTransferId]);
      }
      finish();
    },
    (error: unknown) => {
      failures.set(id, toIpcError(error).message);
      finish();
    },
  );
}

function recipientStates(s: TransferSummary): RecipientState[] {
  return s.recipients.map((email) => {
    const receipt = s.receipts.find((r) => r.recipient === email);
    if (receipt !== undefined) {
      return {
        email,
        state: receipt.verified ? 'receipt-verified' : 'downloaded',
        receiptAt: receipt.verified ? receipt.createdAt : null,
      };
    }
    const state: RecipientState['state'] =
      s.status === 'expired' ? 'expired' : s.status === 'uploading' ? 'pending' : 'delivered';
    return { email, state, receiptAt: null };
  });
}

function localOf(host: HostRuntime, s: TransferSummary): Transfer | null {
  return s.local === null ? null : host.session().db.transfers.get(s.local.id);
}

type TransferChannel =
  | 'transfers:send'
  | 'transfers:pause'
  | 'transfers:resume'
  | 'transfers:cancel'
  | 'transfers:local'
  | 'transfers:inbox'
  | 'transfers:sent'
  | 'transfers:receive'
  | 'transfers:revoke'
  | 'transfers:hide'
  | 'transfers:markRead';

/**
 * The transfer part of the handler map (handlers.ts spreads it in).
 * @example
 * const all: HandlerMap<HostRuntime> = { ...others, ...transferHandlers };
 */
export const transferHandlers: Pick<HandlerMap<HostRuntime>, TransferChannel> = {
  'transfers:send': async ({ paths, recipients, expiryDays, downloadLimit }, host) => {
    const handle = await host
      .session()
      .transfers.send(paths, recipients, { expiryDays, downloadLimit });
    track(host, handle);
    return localView(record(host, handle.id), handle.progress());
  },
  'transfers:receive': async ({ transferId, folder, keepEncryptedCopy }, host) => {
    const handle = await host
      .session()
      .transfers.receive(transferId, { outDir: folder, keepEncryptedCopy });
    track(host, handle);
    host.markSeen([transferId]);
    return localView(record(host, handle.id), handle.progress());
  },
  'transfers:pause': async ({ id }, host) => {
    const engine = await host.session().transfers.engine();
    const handle = engine.handle(id);
    if (handle === null && record(host, id).state !== 'paused') {
      throw new CodedError('E_TRANSFER_STATE', 'this transfer is not running');
    }
    handle?.pause();
    return viewOf(host, id);
  },
  'transfers:resume': async ({ id }, host) => {
    const engine = await host.session().transfers.engine();
    const running = engine.handle(id);
    if (running !== null) {
      running.resume();
    } else {
      const handle = await engine.resumeTransfer(id);
      track(host, handle);
      handle.resume();
    }
    return viewOf(host, id);
  },
  'transfers:cancel': async ({ id }, host) => {
    const engine = await host.session().transfers.engine();
    const handle = engine.handle(id);
    if (handle === null) {
      throw new CodedError('E_TRANSFER_STATE', 'this transfer is not running');
    }
    await handle.cancel();
    return viewOf(host, id);
  },
  'transfers:local': async (_args, host) => {
    const engine = await host.session().transfers.engine();
    const items = (await host.session().transfers.local()).map((t) =>
      localView(t, engine.handle(t.id)?.progress() ?? null),
    );
    const running = (t: LocalTransfer): number =>
      t.state === 'active' || t.state === 'paused' || t.state === 'queued' ? 0 : 1;
    return { items: items.sort((a, b) => running(a) - running(b)) };
  },
  'transfers:inbox': async (_args, host) => {
    const summaries = await host.session().transfers.inbox();
    const items: InboxItem[] = summaries.map((s) => {
      const local = localOf(host, s);
      return {
        transferId: s.relayTransferId,
        sender: s.sender,
        senderTrust: s.senderStatus ?? 'unknown',
        size: s.size,
        status: s.status,
        createdAt: s.createdAt,
        expiresAt: s.expiresAt,
        maxDownloads: s.maxDownloads,
        downloads: s.downloads,
        unread: local === null && s.status === 'ready' && !host.isSeen(s.relayTransferId),
        local: local === null ? null : localView(local, null),
      };
    });
    host.setUnread(items.filter((i) => i.unread).map((i) => i.transferId));
    return { items, unread: host.unread };
  },
  'transfers:sent': async (_args, host) => {
    const summaries = await host.session().transfers.sent();
    const items: SentItem[] = summaries.map((s) => {
      const local = localOf(host, s);
      return {
        transferId: s.relayTransferId,
        recipients: recipientStates(s),
        size: s.size,
        status: s.status,
        createdAt: s.createdAt,
        expiresAt: s.expiresAt,
        maxDownloads: s.maxDownloads,
        downloads: s.downloads,
        names: local === null ? [] : local.localPaths.map((p) => basename(p)),
        local: local === null ? null : localView(local, null),
      };
    });
    return { items };
  },
  'transfers:revoke': async ({ transferId }, host) => {
    await host.session().transfers.revoke(transferId);
    return { revoked: true };
  },
  'transfers:hide': async ({ transferId }, host) => {
    await host.session().transfers.hide(transferId);
    host.markSeen([transferId]);
    return { hidden: true };
  },
  'transfers:markRead': ({ transferIds }, host) => {
    host.markSeen(transferIds);
    return Promise.resolve({ unread: host.unread });
  },
};
