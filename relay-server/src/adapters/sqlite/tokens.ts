import type { RefreshConsumeResult, TokenStore } from '../../ports.js';
import type { Db } from './db.js';

export class SqliteTokenStore implements TokenStore {
  constructor(private readonly db: Db) {}

  createFamily(familyId: string, userId: string, now: number): Promise<void> {
    this.db
      .prepare('INSERT INTO token_families (id, user_id, created_at) VALUES (?, ?, ?)')
      .run(familyId, userId, now);
    return Promise.resolve();
  }

  isFamilyActive(familyId: string): Promise<boolean> {
    const row = this.db
      .prepare('SELECT 1 AS ok FROM token_families WHERE id = ? AND revoked_at IS NULL')
      .get(familyId);
    return Promise.resolve(row !== undefined);
  }

  revokeFamily(familyId: string, now: number): Promise<void> {
    this.db
      .prepare('UPDATE token_families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
      .run(now, familyId);
    return Promise.resolve();
  }

  revokeAllFamilies(userId: string, now: number): Promise<void> {
    this.db
      .prepare('UPDATE token_families SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL')
      .run(now, userId);
    return Promise.resolve();
  }

  insertRefresh(t: { hash: string; familyId: string; userId: string; expiresAt: number }) {
    this.db
      .prepare(
        'INSERT INTO refresh_tokens (hash, family_id, user_id, expires_at) VALUES (?, ?, ?, ?)',
      )
      .run(t.hash, t.familyId, t.userId, t.expiresAt);
    return Promise.resolve();
  }

  consumeRefresh(hash: string, now: number): Promise<RefreshConsumeResult> {
    const result = this.db
      .transaction((): RefreshConsumeResult => {
        const row = this.db
          .prepare(
            `SELECT r.family_id, r.user_id, r.expires_at, r.used_at, f.revoked_at
           FROM refresh_tokens r JOIN token_families f ON f.id = r.family_id WHERE r.hash = ?`,
          )
          .get(hash) as
          | {
              family_id: string;
              user_id: string;
              expires_at: number;
              used_at: number | null;
              revoked_at: number | null;
            }
          | undefined;
        if (row === undefined) return { kind: 'invalid' };
        if (row.used_at !== null) {
          return { kind: 'reused', userId: row.user_id, familyId: row.family_id };
        }
        if (row.revoked_at !== null || row.expires_at <= now) return { kind: 'invalid' };
        this.db.prepare('UPDATE refresh_tokens SET used_at = ? WHERE hash = ?').run(now, hash);
        return { kind: 'ok', userId: row.user_id, familyId: row.family_id };
      })
      .immediate();
    return Promise.resolve(result);
  }

  tryAttempt(key: string, now: number, windowMs: number, max: number): Promise<boolean> {
    // One conditional INSERT: the count and the hit cannot be split by another writer.
    const result = this.db
      .prepare(
        `INSERT INTO attempts (key, at) SELECT ?, ?
         WHERE (SELECT COUNT(*) FROM attempts WHERE key = ? AND at > ?) < ?`,
      )
      .run(key, now, key, now - windowMs, max);
    return Promise.resolve(result.changes === 1);
  }

  clearAttempts(key: string): Promise<void> {
    this.db.prepare('DELETE FROM attempts WHERE key = ?').run(key);
    return Promise.resolve();
  }
}
