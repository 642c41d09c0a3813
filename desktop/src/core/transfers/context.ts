import {
  inlineExecutor,
  workerPool,
  type BatchExecutor,
  type SecretIdentity,
} from '@datacrypt/shared-crypto';
import type { Contacts } from '../contacts/contacts.js';
import type { LocalDb } from '../db/local-db.js';
import type { JsonValue } from '../db/values.js';
import type { TransfersClient } from '../relay/transfers-client.js';

/**
 * What the send and receive runners need from the engine.
 * @module
 */

/** Shared dependencies and tuning of one TransferEngine. */
export interface EngineContext {
  db: LocalDb;
  accountId: number;
  /** The account's email (recipient of receipts, sender of sends). */
  email: () => string;
  transfers: TransfersClient;
  contacts: Contacts;
  identities: () => Promise<readonly SecretIdentity[]>;
  profileDir: string;
  /** Worker threads for AES (undefined or 0: inline, see `transferExecutor`). */
  parallelism: number | undefined;
  uploadConcurrency: number;
  partSize: number;
}

/** Reads a JSON object stored as resume data (anything else: empty). */
export function asRecord(value: JsonValue): Record<string, JsonValue> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

/** A string field of resume data, or undefined. */
export function str(record: Record<string, JsonValue>, key: string): string | undefined {
  const v = record[key];
  return typeof v === 'string' ? v : undefined;
}

/** A number field of resume data, or undefined. */
export function num(record: Record<string, JsonValue>, key: string): number | undefined {
  const v = record[key];
  return typeof v === 'number' ? v : undefined;
}

/** A string-list field of resume data (non-strings dropped). */
export function strings(record: Record<string, JsonValue>, key: string): string[] {
  const v = record[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Where a transfer's AES runs. Inline unless worker threads are asked for: a transfer's thread
 * spends most of its time waiting for the network and the disk, so AES-GCM at ~1 GB/s fits in its
 * gaps, and each worker costs its own V8 heap. Measured on the 1 GiB desktop bench (2 cores): send
 * 197–209 MB/s inline vs 114–186 with the default pool, receive about equal, peak RSS 10–30 MB lower.
 * @example
 * const executor = transferExecutor(ctx.parallelism);
 */
export function transferExecutor(parallelism: number | undefined): BatchExecutor {
  return parallelism === undefined || parallelism === 0
    ? inlineExecutor()
    : workerPool(parallelism);
}
