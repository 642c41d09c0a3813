import type { Container } from '../container.js';
import type { RelayEvents } from '../contract/index.js';
import type { Log } from '../log.js';

interface Pending {
  items: RelayEvents['transfer:new'][];
  timer: NodeJS.Timeout | undefined;
}

const FINGERPRINT_PREFIX_GROUPS = 4;

function humanSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit] ?? ''}`;
}

/**
 * Mails recipients when transfers arrive. Transfers reaching one recipient within
 * `config.mailBatchSeconds` of the first go out as one mail listing them all. A mail names the
 * sender's email and the start of the sender's key fingerprint, never a file name (the relay
 * never has one). Recipients who turned `emailOnNewTransfer` off get nothing; the preference is
 * read when the mail is sent. Batches live in this process: `stop` sends what is pending.
 */
export function startTransferMail(c: Container, log: Log): { stop(): Promise<void> } {
  const pending = new Map<string, Pending>();
  const windowMs = c.config.mailBatchSeconds * 1000;
  const sending = new Set<Promise<void>>();

  const describeSender = async (senderId: string): Promise<string> => {
    const sender = await c.accounts.byId(senderId);
    if (sender === undefined) return 'a former DataCrypt user';
    const key = (await c.keys.history(sender.email)).at(-1);
    if (key === undefined) return sender.email;
    const prefix = key.fingerprint.split(' ').slice(0, FINGERPRINT_PREFIX_GROUPS).join(' ');
    return `${sender.email} (key fingerprint ${prefix} …)`;
  };

  const send = async (recipientId: string, items: RelayEvents['transfer:new'][]) => {
    const account = await c.accounts.byId(recipientId);
    if (account?.verified !== true || account.emailOnNewTransfer === false) return;
    const lines = await Promise.all(
      items.map(async (t) => `- from ${await describeSender(t.senderId)}, ${humanSize(t.size)}`),
    );
    const n = items.length;
    await c.mailer.send({
      to: account.email,
      subject:
        n === 1
          ? 'DataCrypt: a new encrypted transfer for you'
          : `DataCrypt: ${n} new encrypted transfers for you`,
      text: [
        n === 1
          ? 'An end-to-end encrypted transfer is waiting for you:'
          : `${n} end-to-end encrypted transfers are waiting for you:`,
        '',
        ...lines,
        '',
        'Open DataCrypt to receive them. Before trusting a sender, compare the fingerprint with',
        'the one DataCrypt shows for that contact.',
        '',
        'You can turn these mails off in DataCrypt (notification settings).',
      ].join('\n'),
    });
  };

  const flush = (recipientId: string) => {
    const p = pending.get(recipientId);
    if (p === undefined) return;
    pending.delete(recipientId);
    clearTimeout(p.timer);
    const job = send(recipientId, p.items)
      .catch((err: unknown) => {
        log.error({ err }, 'could not mail a new-transfer notification');
      })
      .finally(() => sending.delete(job));
    sending.add(job);
  };

  const off = c.bus.on('transfer:new', (t) => {
    for (const recipientId of t.recipientIds) {
      let p = pending.get(recipientId);
      if (p === undefined) {
        p = { items: [], timer: undefined };
        pending.set(recipientId, p);
        if (windowMs > 0) {
          p.timer = setTimeout(() => {
            flush(recipientId);
          }, windowMs);
        }
      }
      p.items.push(t);
      if (windowMs === 0) flush(recipientId);
    }
  });

  return {
    async stop() {
      off();
      for (const id of [...pending.keys()]) flush(id);
      await Promise.all([...sending]);
    },
  };
}
