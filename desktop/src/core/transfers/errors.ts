import { CodedError } from '../errors.js';
import { isRelayError } from '../relay/relay-error.js';

/**
 * Errors of the transfer engine, and the mapping of relay codes to the ones users see.
 * @module
 */

/**
 * Codes the engine adds to the relay's and shared-crypto's:
 * - `E_TRANSFER_EXPIRED`: the relay's expiry passed (relay `E_GONE` / status `expired`).
 * - `E_TRANSFER_REVOKED`: the sender revoked it (relay `E_REVOKED`).
 * - `E_TRANSFER_NOT_FOUND`: the relay knows no such transfer for this account (never addressed to
 *   it, or long gone).
 * - `E_DOWNLOAD_LIMIT`: the sender's download limit is used up.
 * - `E_CANCELLED`: `cancel()` was called.
 * - `E_STOPPED`: the engine closed while it ran; it stays resumable (`resumePending`).
 * - `E_TRANSFER_STATE`: the local record does not allow this (e.g. resuming a completed one).
 * @example
 * if (isCodedError(e, 'E_TRANSFER_EXPIRED')) tellUser('ask the sender to send it again');
 */
export type TransferErrorCode =
  | 'E_TRANSFER_EXPIRED'
  | 'E_TRANSFER_REVOKED'
  | 'E_TRANSFER_NOT_FOUND'
  | 'E_DOWNLOAD_LIMIT'
  | 'E_CANCELLED'
  | 'E_STOPPED'
  | 'E_TRANSFER_STATE';

/**
 * A transfer failure with one of the engine's codes.
 * @example
 * throw new TransferError('E_CANCELLED', 'the transfer was cancelled');
 */
export class TransferError extends CodedError {
  constructor(code: TransferErrorCode, detail: string, options?: { cause?: unknown }) {
    super(code, detail, options);
    this.name = 'TransferError';
  }
}

/**
 * Turns a relay failure about transfer `id` into the engine's code (others pass through).
 * @example
 * catch (e) { throw mapRelayError(e, id); }
 */
export function mapRelayError(error: unknown, id: string): unknown {
  if (isRelayError(error, 'E_GONE')) {
    return new TransferError('E_TRANSFER_EXPIRED', `transfer ${id} has expired`, { cause: error });
  }
  if (isRelayError(error, 'E_REVOKED')) {
    return new TransferError('E_TRANSFER_REVOKED', `transfer ${id} was revoked by its sender`, {
      cause: error,
    });
  }
  if (isRelayError(error, 'E_NOT_FOUND')) {
    return new TransferError(
      'E_TRANSFER_NOT_FOUND',
      `transfer ${id} is not on the relay (not addressed to you, or long gone)`,
      { cause: error },
    );
  }
  if (isRelayError(error, 'E_DOWNLOAD_LIMIT')) {
    return new TransferError('E_DOWNLOAD_LIMIT', `transfer ${id}: the download limit is reached`, {
      cause: error,
    });
  }
  return error;
}
