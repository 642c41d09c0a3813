import type { TransferView } from '../contract/index.js';
import type { TransferRecord } from '../ports.js';

/**
 * What a user may see of a transfer: the sender sees every recipient and receipt; a recipient
 * sees only their own entry, so co-recipients stay private from each other.
 */
export function toView(t: TransferRecord, viewerId: string, now: number): TransferView {
  const isSender = t.senderId === viewerId;
  const visible = isSender ? t.recipients : t.recipients.filter((r) => r.userId === viewerId);
  return {
    id: t.id,
    sender: t.senderEmail,
    recipients: visible.map((r) => r.email),
    size: t.size,
    partSize: t.partSize,
    partCount: t.partCount,
    status: t.expiresAt <= now ? 'expired' : t.status,
    createdAt: t.createdAt,
    finalizedAt: t.finalizedAt,
    expiresAt: t.expiresAt,
    maxDownloads: t.maxDownloads,
    downloads: t.downloads,
    receipts: visible.flatMap((r) =>
      r.receipt === null
        ? []
        : [{ recipient: r.email, signature: r.receipt.signature, createdAt: r.receipt.createdAt }],
    ),
  };
}

/** Expected byte length of part `n` (1-based). */
export function partLength(t: { size: number; partSize: number; partCount: number }, n: number) {
  return n < t.partCount ? t.partSize : t.size - (t.partCount - 1) * t.partSize;
}

/**
 * Parses a single `bytes=` range against `size`. Returns null when the header should be ignored
 * (absent, malformed, or multi-range: RFC 9110 lets a server answer those with the full body)
 * and 'unsatisfiable' when it asks for bytes past the end.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim());
  if (m === null) return null;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return null;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(size - suffix, 0), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (b !== '' && Number(b) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
