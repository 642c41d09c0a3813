/**
 * One numbered schema change of the LocalDb.
 * @example
 * export const migration001: Migration = { version: 1, name: 'accounts', sql: 'CREATE TABLE ...' };
 */
export interface Migration {
  /** 1, 2, 3, ... with no gaps; also the number in the file name `NNN-name.ts`. */
  version: number;
  name: string;
  /** SQL statements run in one transaction. */
  sql: string;
}
