import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { DataCryptError } from '@datacrypt/shared-crypto';
import {
  checkCount,
  checkJson,
  checkText,
  type JsonValue,
  LIMITS,
  parseJson,
  write,
} from './values.js';

/**
 * Transfers sent and received: state, progress, the resume data a restarted process continues
 * from, and local paths.
 * @module
 */

/**
 * Which way a transfer goes.
 * @example
 * const d: TransferDirection = 'send';
 */
export type TransferDirection = 'send' | 'receive';

/**
 * Where a transfer stands. `queued`, `active` and `paused` are unfinished (resumed after a restart).
 * @example
 * if (t.state === 'paused') engine.resume(t.id);
 */
export type TransferState = 'queued' | 'active' | 'paused' | 'completed' | 'failed' | 'cancelled';

const DIRECTIONS: readonly TransferDirection[] = ['send', 'receive'];
const STATES: readonly TransferState[] = [
  'queued',
  'active',
  'paused',
  'completed',
  'failed',
  'cancelled',
];

/**
 * The states a restarted process resumes.
 * @example
 * db.transfers.list({ states: UNFINISHED_STATES });
 */
export const UNFINISHED_STATES: readonly TransferState[] = ['queued', 'active', 'paused'];

/**
 * A transfer as stored.
 * @example
 * const t: Transfer = db.transfers.create({ accountId, direction: 'send', localPaths: ['a.pdf'] });
 */
export interface Transfer {
  /** Local id (a UUID unless given). */
  id: string;
  accountId: number;
  direction: TransferDirection;
  /** The relay's id for the transfer, null until the relay assigned one. */
  relayTransferId: string | null;
  state: TransferState;
  totalBytes: number | null;
  progressBytes: number;
  /** Whatever the engine needs to resume (uploaded parts, verified chunks, ...). */
  resumeData: JsonValue;
  localPaths: string[];
  /** The error code of a failed transfer. */
  errorCode: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * The fields `update` can change.
 * @example
 * db.transfers.update(id, { state: 'active', progressBytes: 65536, resumeData: { parts: [0] } });
 */
export interface TransferPatch {
  relayTransferId?: string | null;
  state?: TransferState;
  totalBytes?: number | null;
  progressBytes?: number;
  resumeData?: JsonValue;
  localPaths?: readonly string[];
  errorCode?: string | null;
}

interface TransferRow {
  id: string;
  account_id: number;
  direction: TransferDirection;
  relay_transfer_id: string | null;
  state: TransferState;
  total_bytes: number | null;
  progress_bytes: number;
  resume_data: string;
  local_paths: string;
  error_code: string | null;
  created_at: string;
  updated_at: string;
}

function toTransfer(r: TransferRow): Transfer {
  return {
    id: r.id,
    accountId: r.account_id,
    direction: r.direction,
    relayTransferId: r.relay_transfer_id,
    state: r.state,
    totalBytes: r.total_bytes,
    progressBytes: r.progress_bytes,
    resumeData: parseJson(r.resume_data),
    localPaths: parseJson(r.local_paths) as string[],
    errorCode: r.error_code,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function checkState(state: unknown): TransferState {
  if (!STATES.includes(state as TransferState)) {
    throw new DataCryptError('E_ARGUMENT', `transfer state must be one of ${STATES.join(', ')}`);
  }
  return state as TransferState;
}

function checkPaths(paths: unknown): string {
  if (!Array.isArray(paths)) throw new DataCryptError('E_ARGUMENT', 'local paths must be a list');
  for (const p of paths) checkText(p, 'local path', LIMITS.path);
  return checkJson(paths, 'local paths', LIMITS.localPaths);
}

function nullableId(value: unknown, field: string): string | null {
  return value === null ? null : checkText(value, field, LIMITS.id);
}

/** Column and checked value for each patchable field (a fixed list: no caller text in SQL). */
function patchColumns(patch: TransferPatch): [string, string | number | null][] {
  const columns: [string, string | number | null][] = [];
  if (patch.relayTransferId !== undefined)
    columns.push(['relay_transfer_id', nullableId(patch.relayTransferId, 'relay transfer id')]);
  if (patch.state !== undefined) columns.push(['state', checkState(patch.state)]);
  if (patch.totalBytes !== undefined)
    columns.push([
      'total_bytes',
      patch.totalBytes === null ? null : checkCount(patch.totalBytes, 'total bytes'),
    ]);
  if (patch.progressBytes !== undefined)
    columns.push(['progress_bytes', checkCount(patch.progressBytes, 'progress bytes')]);
  if (patch.resumeData !== undefined)
    columns.push(['resume_data', checkJson(patch.resumeData, 'resume data', LIMITS.resumeData)]);
  if (patch.localPaths !== undefined) columns.push(['local_paths', checkPaths(patch.localPaths)]);
  if (patch.errorCode !== undefined)
    columns.push(['error_code', nullableId(patch.errorCode, 'error code')]);
  return columns;
}

/**
 * Typed access to the `transfers` table.
 * @example
 * const t = db.transfers.create({ accountId, direction: 'receive', relayTransferId: 'tr_1' });
 * db.transfers.update(t.id, { state: 'active', progressBytes: 1024 });
 */
export class TransfersRepo {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date,
  ) {}

  /** Adds a transfer (state `queued` unless given). E_ARGUMENT for a duplicate or bad value. */
  create(input: {
    id?: string;
    accountId: number;
    direction: TransferDirection;
    relayTransferId?: string | null;
    state?: TransferState;
    totalBytes?: number | null;
    resumeData?: JsonValue;
    localPaths?: readonly string[];
  }): Transfer {
    const id = checkText(input.id ?? randomUUID(), 'transfer id', LIMITS.id);
    if (!DIRECTIONS.includes(input.direction)) {
      throw new DataCryptError('E_ARGUMENT', 'transfer direction must be send or receive');
    }
    const at = this.now().toISOString();
    write(`transfer ${id} already exists`, () =>
      this.db
        .prepare(
          `INSERT INTO transfers (id, account_id, direction, relay_transfer_id, state, total_bytes,
             progress_bytes, resume_data, local_paths, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
        )
        .run(
          id,
          input.accountId,
          input.direction,
          nullableId(input.relayTransferId ?? null, 'relay transfer id'),
          checkState(input.state ?? 'queued'),
          input.totalBytes == null ? null : checkCount(input.totalBytes, 'total bytes'),
          checkJson(input.resumeData ?? {}, 'resume data', LIMITS.resumeData),
          checkPaths(input.localPaths ?? []),
          at,
          at,
        ),
    );
    const created = this.get(id);
    if (created === null) throw new Error('transfer row vanished');
    return created;
  }

  /** The transfer with this id, or null. */
  get(id: string): Transfer | null {
    const row = this.db
      .prepare<[string], TransferRow>('SELECT * FROM transfers WHERE id = ?')
      .get(id);
    return row === undefined ? null : toTransfer(row);
  }

  /** The transfer the relay knows by `relayTransferId` for this account and direction, or null. */
  findByRelayId(
    accountId: number,
    direction: TransferDirection,
    relayTransferId: string,
  ): Transfer | null {
    const row = this.db
      .prepare<[number, string, string], TransferRow>(
        'SELECT * FROM transfers WHERE account_id = ? AND direction = ? AND relay_transfer_id = ?',
      )
      .get(accountId, direction, relayTransferId);
    return row === undefined ? null : toTransfer(row);
  }

  /** Transfers, newest first, optionally of one account, direction, or set of states. */
  list(
    filter: {
      accountId?: number;
      direction?: TransferDirection;
      states?: readonly TransferState[];
    } = {},
  ): Transfer[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.accountId !== undefined) {
      where.push('account_id = ?');
      params.push(filter.accountId);
    }
    if (filter.direction !== undefined) {
      where.push('direction = ?');
      params.push(filter.direction);
    }
    if (filter.states !== undefined) {
      const states = filter.states.map(checkState);
      where.push(`state IN (${states.map(() => '?').join(', ') || 'NULL'})`);
      params.push(...states);
    }
    const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    return this.db
      .prepare<(string | number)[], TransferRow>(
        `SELECT * FROM transfers ${clause} ORDER BY created_at DESC, id`,
      )
      .all(...params)
      .map(toTransfer);
  }

  /** Changes some fields (and `updatedAt`); returns the transfer, or null when there is none. */
  update(id: string, patch: TransferPatch): Transfer | null {
    const columns = patchColumns(patch);
    columns.push(['updated_at', this.now().toISOString()]);
    const sets = columns.map(([column]) => `${column} = ?`).join(', ');
    const { changes } = write('another transfer has this relay transfer id', () =>
      this.db
        .prepare(`UPDATE transfers SET ${sets} WHERE id = ?`)
        .run(...columns.map(([, value]) => value), id),
    );
    return changes === 0 ? null : this.get(id);
  }

  /** Deletes the transfer record; false when there was none. */
  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM transfers WHERE id = ?').run(id).changes > 0;
  }
}
