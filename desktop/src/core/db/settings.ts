import type { Database } from 'better-sqlite3';
import { checkJson, checkText, type JsonValue, LIMITS, parseJson } from './values.js';

/**
 * Settings: one JSON value per key.
 * @module
 */

/**
 * Typed access to the `settings` table.
 * @example
 * db.settings.set('relay.url', 'https://relay.example.com');
 * db.settings.get('relay.url'); // 'https://relay.example.com'
 */
export class SettingsRepo {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date,
  ) {}

  /** The value of `key`, or undefined when unset. */
  get(key: string): JsonValue | undefined {
    checkText(key, 'setting key', LIMITS.settingKey);
    const row = this.db
      .prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?')
      .get(key);
    return row === undefined ? undefined : parseJson(row.value);
  }

  /** Sets `key` to a JSON value (at most LIMITS.settingValue bytes as JSON, else E_ARGUMENT). */
  set(key: string, value: JsonValue): void {
    checkText(key, 'setting key', LIMITS.settingKey);
    const json = checkJson(value, 'setting value', LIMITS.settingValue);
    this.db
      .prepare(
        `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(key, json, this.now().toISOString());
  }

  /** Removes `key`; false when it was not set. */
  delete(key: string): boolean {
    checkText(key, 'setting key', LIMITS.settingKey);
    return this.db.prepare('DELETE FROM settings WHERE key = ?').run(key).changes > 0;
  }

  /** Every setting, by key. */
  all(): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {};
    const rows = this.db
      .prepare<[], { key: string; value: string }>('SELECT key, value FROM settings ORDER BY key')
      .all();
    for (const row of rows) out[row.key] = parseJson(row.value);
    return out;
  }
}
