import { closeSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DataCryptError } from '@datacrypt/shared-crypto';
import { ensurePrivateDirSync } from './private-dir.js';
import { AccountsRepo } from './accounts.js';
import { ContactsRepo } from './contacts.js';
import { type AppliedMigration, appliedMigrations, migrate } from './migrate.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { SettingsRepo } from './settings.js';
import { TransfersRepo } from './transfers.js';

/**
 * The profile's local database (better-sqlite3): WAL journal (a crash never leaves it half
 * written), foreign keys enforced, a busy timeout for a second process, numbered migrations.
 * @module
 */

/**
 * Options of LocalDb.open.
 * @example
 * LocalDb.open(path, { now: () => new Date('2026-01-01T00:00:00Z') });
 */
export interface LocalDbOptions {
  /** The clock for stored times (tests pass a fixed one). */
  now?: () => Date;
  /** How long to wait for another connection's lock, ms (default 5000). */
  busyTimeoutMs?: number;
  /** Migrate only up to this version (tests of a single migration). */
  targetVersion?: number;
  /** The migrations (default: all of them). */
  migrations?: readonly Migration[];
}

/**
 * The local database with one typed repository per table. No SQL leaves `core/db/`.
 * @example
 * const db = LocalDb.open(join(profileDir, 'datacrypt.db'));
 * const me = db.accounts.upsert({ relayUrl, email });
 * db.settings.set('theme', 'dark');
 * db.close();
 */
export class LocalDb {
  readonly accounts: AccountsRepo;
  readonly contacts: ContactsRepo;
  readonly transfers: TransfersRepo;
  readonly settings: SettingsRepo;
  /** The migration versions this open applied (empty when the schema was already current). */
  readonly migrated: readonly number[];

  private constructor(
    private readonly db: Database.Database,
    now: () => Date,
    migrated: number[],
  ) {
    this.migrated = migrated;
    this.accounts = new AccountsRepo(db, now);
    this.contacts = new ContactsRepo(db, now);
    this.transfers = new TransfersRepo(db, now);
    this.settings = new SettingsRepo(db, now);
  }

  /**
   * Opens (creating it with mode 0600 if needed) and migrates the database at `path`.
   * E_IO when it cannot be opened, E_VERSION when a newer DataCrypt wrote it.
   */
  static open(path: string, options: LocalDbOptions = {}): LocalDb {
    const now = options.now ?? (() => new Date());
    let db: Database.Database;
    let migrated: number[];
    try {
      if (path !== ':memory:') {
        ensurePrivateDirSync(dirname(path));
        closeSync(openSync(path, 'a', 0o600));
      }
      db = new Database(path);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new DataCryptError('E_IO', `cannot open the local database ${path}: ${reason}`, {
        cause,
      });
    }
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
      migrated = migrate(db, options.migrations ?? MIGRATIONS, {
        now,
        ...(options.targetVersion === undefined ? {} : { target: options.targetVersion }),
      });
    } catch (error) {
      db.close();
      if (error instanceof DataCryptError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new DataCryptError('E_IO', `cannot use the local database ${path}: ${reason}`, {
        cause: error,
      });
    }
    return new LocalDb(db, now, migrated);
  }

  /** The schema version (the last applied migration). */
  get schemaVersion(): number {
    const row = this.db
      .prepare<[], { v: number | null }>('SELECT max(version) AS v FROM schema_migrations')
      .get();
    return row?.v ?? 0;
  }

  /** The migrations recorded in `schema_migrations`, oldest first. */
  migrations(): AppliedMigration[] {
    return appliedMigrations(this.db);
  }

  /** The names of the tables (for diagnostics and tests). */
  tables(): string[] {
    return this.db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((r) => r.name);
  }

  /** SQLite's integrity check: true when the file is sound. */
  integrityOk(): boolean {
    return this.db.pragma('integrity_check', { simple: true }) === 'ok';
  }

  /** The journal mode, foreign key and busy timeout settings in force (for diagnostics). */
  pragmas(): { journalMode: string; foreignKeys: boolean; busyTimeoutMs: number } {
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      foreignKeys: this.db.pragma('foreign_keys', { simple: true }) === 1,
      busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
    };
  }

  /** Runs `work` in one transaction (all of its writes or none). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }
}
