import type { Account, AccountStore } from '../../ports.js';
import type { Db } from './db.js';

interface Row {
  id: string;
  email: string;
  password_hash: string;
  role: 'user' | 'admin';
  verified: number;
  created_at: number;
  totp_secret: string | null;
  totp_pending_secret: string | null;
  totp_last_step: number | null;
  verify_code_hash: string | null;
  verify_code_expires_at: number | null;
  verify_code_attempts: number;
  email_on_new_transfer: number;
}

const columns: Record<keyof Omit<Account, 'id' | 'email' | 'createdAt'>, keyof Row> = {
  passwordHash: 'password_hash',
  role: 'role',
  verified: 'verified',
  totpSecret: 'totp_secret',
  totpPendingSecret: 'totp_pending_secret',
  totpLastStep: 'totp_last_step',
  verifyCodeHash: 'verify_code_hash',
  verifyCodeExpiresAt: 'verify_code_expires_at',
  verifyCodeAttempts: 'verify_code_attempts',
  emailOnNewTransfer: 'email_on_new_transfer',
};

function toAccount(row: Row): Account {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    verified: row.verified === 1,
    createdAt: row.created_at,
    totpSecret: row.totp_secret,
    totpPendingSecret: row.totp_pending_secret,
    totpLastStep: row.totp_last_step,
    verifyCodeHash: row.verify_code_hash,
    verifyCodeExpiresAt: row.verify_code_expires_at,
    verifyCodeAttempts: row.verify_code_attempts,
    emailOnNewTransfer: row.email_on_new_transfer === 1,
  };
}

export class SqliteAccountStore implements AccountStore {
  constructor(private readonly db: Db) {}

  create(a: Account): Promise<boolean> {
    const result = this.db
      .prepare(
        `INSERT INTO accounts (id, email, password_hash, role, verified, created_at, totp_secret,
           totp_pending_secret, totp_last_step, verify_code_hash, verify_code_expires_at,
           verify_code_attempts)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(email) DO NOTHING`,
      )
      .run(
        a.id,
        a.email,
        a.passwordHash,
        a.role,
        a.verified ? 1 : 0,
        a.createdAt,
        a.totpSecret,
        a.totpPendingSecret,
        a.totpLastStep,
        a.verifyCodeHash,
        a.verifyCodeExpiresAt,
        a.verifyCodeAttempts,
      );
    return Promise.resolve(result.changes === 1);
  }

  byEmail(email: string): Promise<Account | undefined> {
    const row = this.db.prepare('SELECT * FROM accounts WHERE email = ?').get(email) as
      Row | undefined;
    return Promise.resolve(row && toAccount(row));
  }

  byId(id: string): Promise<Account | undefined> {
    const row = this.db.prepare('SELECT * FROM accounts WHERE id = ?').get(id) as Row | undefined;
    return Promise.resolve(row && toAccount(row));
  }

  update(id: string, patch: Partial<Omit<Account, 'id' | 'email' | 'createdAt'>>): Promise<void> {
    const sets: string[] = [];
    const values: (string | number | null)[] = [];
    for (const [key, column] of Object.entries(columns)) {
      if (!(key in patch)) continue;
      const value = patch[key as keyof typeof columns];
      if (value === undefined) continue;
      sets.push(`${column} = ?`);
      values.push(typeof value === 'boolean' ? (value ? 1 : 0) : value);
    }
    if (sets.length > 0) {
      this.db.prepare(`UPDATE accounts SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
    }
    return Promise.resolve();
  }

  list(limit: number, offset: number): Promise<Account[]> {
    const rows = this.db
      .prepare('SELECT * FROM accounts ORDER BY created_at, id LIMIT ? OFFSET ?')
      .all(limit, offset) as Row[];
    return Promise.resolve(rows.map(toAccount));
  }

  setRecoveryCodes(userId: string, codeHashes: string[]): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM recovery_codes WHERE user_id = ?').run(userId);
      const insert = this.db.prepare(
        'INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)',
      );
      for (const hash of codeHashes) insert.run(userId, hash);
    })();
    return Promise.resolve();
  }

  consumeRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    const result = this.db
      .prepare('DELETE FROM recovery_codes WHERE user_id = ? AND code_hash = ?')
      .run(userId, codeHash);
    return Promise.resolve(result.changes === 1);
  }

  consumeTotpStep(accountId: string, step: number): Promise<boolean> {
    const result = this.db
      .prepare(
        `UPDATE accounts SET totp_last_step = ?
         WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)`,
      )
      .run(step, accountId, step);
    return Promise.resolve(result.changes === 1);
  }

  claimVerifyCodeAttempt(accountId: string, codeHash: string, max: number): Promise<boolean> {
    const result = this.db
      .prepare(
        `UPDATE accounts SET verify_code_attempts = verify_code_attempts + 1
         WHERE id = ? AND verify_code_hash = ? AND verify_code_attempts < ?`,
      )
      .run(accountId, codeHash, max);
    return Promise.resolve(result.changes === 1);
  }
}
