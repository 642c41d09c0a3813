import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, makeUser, startRelay, type TestRelay } from './helpers/relay.js';
import { startS3rver } from './helpers/s3rver.js';
import { sendTransfer } from './helpers/upload.js';

let s3: Awaited<ReturnType<typeof startS3rver>>;
let relay: TestRelay;
beforeAll(async () => {
  s3 = await startS3rver('relay-e2e');
  relay = await startRelay(s3.env);
});
afterAll(async () => {
  await relay.close();
  await s3.close();
});

it('runs a whole transfer through the relay on the S3 adapter (multipart, ranged GET, delete)', async () => {
  const alice = await makeUser(relay, 'alice@example.com');
  const bob = await makeUser(relay, 'bob@example.com');
  const { view, data } = await sendTransfer(relay, alice, [bob.email], {
    size: 10_000,
    partSize: 4096,
  });
  const get = (range?: string) =>
    fetch(`${relay.url}/api/transfers/file/${view.id}`, {
      headers: { authorization: `Bearer ${bob.access}`, ...(range ? { range } : {}) },
    });
  const full = await get();
  expect(full.status).toBe(200);
  expect(Buffer.from(await full.arrayBuffer()).equals(data)).toBe(true);
  const part = await get('bytes=4000-8199');
  expect(part.status).toBe(206);
  expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(4000, 8200))).toBe(true);
  expect(
    (await call(relay, 'DELETE', `/api/transfers/${view.id}`, { token: alice.access })).status,
  ).toBe(204);
  // Revoked: a tombstone answers the recipient 410 E_REVOKED; the ciphertext is gone.
  expect((await get()).status).toBe(410);
});
