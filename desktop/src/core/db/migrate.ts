import type { Database } from 'better-sqlite3';
import { DataCryptError } from '@datacrypt/shared-crypto';
import type { Migration } from './migrations/index.js';

/**
 * The migration runner: applies numbered migrations in order, each in its own transaction, and
 * records them in `schema_migrations`.
 * @module
 */

/**
 * One row of `schema_migrations`.
 * @example
 * appliedMigrations(db); // [{ version: 1, name: 'accounts', appliedAt: '2026-...' }, ...]
 */
export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: string;
}

function checkList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new DataCryptError(
        'E_ARGUMENT',
        `migration ${m.name} has version ${m.version}, not ${i + 1}`,
      );
    }
  });
}

/**
 * The migrations recorded in the database (empty for a new one).
 * @example
 * const version = appliedMigrations(db).at(-1)?.version ?? 0;
 */
export function appliedMigrations(db: Database): AppliedMigration[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  return db
    .prepare<[], AppliedMigration>(
      'SELECT version, name, applied_at AS appliedAt FROM schema_migrations ORDER BY version',
    )
    .all();
}

/**
 * Brings the schema up to `target` (default: the last migration). Already applied migrations are
 * skipped, so running it again is harmless. Fails with E_VERSION when the database was written by
 * a newer DataCrypt (unknown migrations) or when a recorded migration has another name.
 * Returns the versions it applied.
 * @example
 * migrate(db, MIGRATIONS); // [1, 2, 3, 4] on a new database, [] afterwards
 */
export function migrate(
  db: Database,
  migrations: readonly Migration[],
  options: { target?: number; now?: () => Date } = {},
): number[] {
  checkList(migrations);
  const target = options.target ?? migrations.length;
  const now = options.now ?? (() => new Date());
  const applied = appliedMigrations(db);
  for (const row of applied) {
    const known = row.version >= 1 ? migrations.at(row.version - 1) : undefined;
    if (known === undefined) {
      throw new DataCryptError(
        'E_VERSION',
        `the local database has schema version ${row.version}, newer than this DataCrypt (${migrations.length}); update DataCrypt`,
      );
    }
    if (known.name !== row.name) {
      throw new DataCryptError(
        'E_VERSION',
        `the local database migration ${row.version} is "${row.name}", expected "${known.name}"`,
      );
    }
  }
  const done = new Set(applied.map((r) => r.version));
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  const ran: number[] = [];
  for (const m of migrations.slice(0, target)) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, now().toISOString());
    }).immediate();
    ran.push(m.version);
  }
  return ran;
}
