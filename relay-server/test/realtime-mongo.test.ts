import { describe, expect, it } from 'vitest';
import { eventSchemas, GAP_GRACE_MS, readableEvents } from '../src/adapters/mongo/events.js';

// Runs without a server (the MongoDB adapters run the record-store contract with MONGODB_URL):
// the index definitions mongoose builds on connect, and the cursor rule of the event log.
describe('mongo event log', () => {
  it('indexes events by (userId, seq), uniquely, and expires them by TTL', () => {
    const indexes = eventSchemas.event.indexes();
    expect(indexes).toContainEqual([{ userId: 1, seq: 1 }, { unique: true }]);
    expect(indexes).toContainEqual([
      { expireAt: 1 },
      expect.objectContaining({ expireAfterSeconds: 0 }),
    ]);
    expect(eventSchemas.watcher.indexes()).toContainEqual([
      { subjectId: 1, watcherId: 1 },
      expect.anything(),
    ]);
  });

  const now = 1_000_000;
  const ev = (seq: number, age = 0) => ({ seq, at: now - age });

  it('stops before a fresh hole, an append that may still land', () => {
    expect(readableEvents([ev(4), ev(6)], 3, now).map((e) => e.seq)).toEqual([4]);
    expect(readableEvents([ev(5)], 3, now)).toEqual([]);
  });

  it('skips a hole left by an append that died long ago', () => {
    const old = GAP_GRACE_MS + 1;
    expect(readableEvents([ev(4, old), ev(6, old), ev(7)], 3, now).map((e) => e.seq)).toEqual([
      4, 6, 7,
    ]);
  });

  it('a reader from the start skips pruned history but not later holes', () => {
    expect(readableEvents([ev(40), ev(41), ev(43)], null, now).map((e) => e.seq)).toEqual([40, 41]);
  });
});
