import { describe, expect, it } from 'vitest';
import { schemas } from '../src/adapters/mongo/models.js';

// Runs without a server: the index definitions are what mongoose builds on connect.
describe('mongoose schemas', () => {
  const indexes = (s: (typeof schemas)[keyof typeof schemas]) => s.indexes();

  it('make emails unique and part numbers unique per transfer', () => {
    expect(indexes(schemas.account)).toContainEqual([
      { email: 1 },
      expect.objectContaining({ unique: true }),
    ]);
    expect(indexes(schemas.part)).toContainEqual([{ transferId: 1, n: 1 }, { unique: true }]);
  });

  it('expire refresh tokens and attempt counters with TTL indexes', () => {
    expect(indexes(schemas.refresh)).toContainEqual([
      { expiresAtDate: 1 },
      expect.objectContaining({ expireAfterSeconds: 0 }),
    ]);
    expect(indexes(schemas.attempt)).toContainEqual([
      { expireAt: 1 },
      expect.objectContaining({ expireAfterSeconds: 0 }),
    ]);
  });

  it('keys refresh tokens by their hash, so tokens are unique', () => {
    expect(schemas.refresh.path('_id').instance).toBe('String');
  });

  it('indexes what the relay queries by', () => {
    expect(indexes(schemas.transfer)).toContainEqual([
      { 'recipients.userId': 1, createdAt: -1 },
      expect.anything(),
    ]);
    expect(indexes(schemas.key)).toContainEqual([{ email: 1, publishedAt: 1 }, expect.anything()]);
    expect(indexes(schemas.audit)).toContainEqual([{ userId: 1, _id: -1 }, expect.anything()]);
  });
});
