import { createHash, randomBytes } from 'node:crypto';
import type { TransferView } from '../../src/contract/index.js';
import { call, type TestRelay, type TestUser } from './relay.js';

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function putPart(
  relay: { url: string },
  token: string,
  transferId: string,
  n: number,
  data: Uint8Array,
  checksum = sha256(data),
) {
  const res = await fetch(`${relay.url}/api/transfers/upload/${transferId}/parts/${n}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/octet-stream',
      'x-datacrypt-sha256': checksum,
    },
    body: data,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Creates, uploads every part and finalizes; returns the view and the ciphertext bytes. */
export async function sendTransfer(
  relay: Pick<TestRelay, 'url'>,
  sender: TestUser,
  recipients: string[],
  opts: { size?: number; partSize?: number; maxDownloads?: number; expiresInSeconds?: number } = {},
): Promise<{ view: TransferView; data: Buffer }> {
  const size = opts.size ?? 5000;
  const partSize = opts.partSize ?? 2048;
  const data = randomBytes(size);
  const created = await call<TransferView>(relay, 'POST', '/api/transfers/upload', {
    token: sender.access,
    body: {
      recipients,
      size,
      partSize,
      ...(opts.maxDownloads !== undefined ? { maxDownloads: opts.maxDownloads } : {}),
      ...(opts.expiresInSeconds !== undefined ? { expiresInSeconds: opts.expiresInSeconds } : {}),
    },
  });
  if (created.status !== 201)
    throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.id;
  for (let n = 1; n <= created.body.partCount; n++) {
    const part = data.subarray((n - 1) * partSize, Math.min(n * partSize, size));
    const res = await putPart(relay, sender.access, id, n, part);
    if (res.status !== 200) throw new Error(`part ${n}: ${res.status}`);
  }
  const fin = await call<TransferView>(relay, 'POST', `/api/transfers/upload/${id}/finalize`, {
    token: sender.access,
  });
  if (fin.status !== 200) throw new Error(`finalize: ${fin.status}`);
  return { view: fin.body, data };
}
