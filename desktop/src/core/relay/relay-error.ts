import type { ErrorCode } from '@datacrypt/relay-server/contract';
import { CodedError } from '../errors.js';

/**
 * Errors of the relay client: the relay's own `E_…` codes, plus `E_NETWORK` (the relay could not
 * be reached or did not answer in time) and `E_PROTOCOL` (its answer is not what the contract
 * says).
 * @module
 */

/**
 * Every code a RelayError can carry that this client knows.
 * @example
 * const code: RelayErrorCode = 'E_INVALID_CREDENTIALS';
 */
export type RelayErrorCode = ErrorCode | 'E_NETWORK' | 'E_PROTOCOL';

/**
 * A failed relay call. `code` is the relay's code as sent (a newer relay may send one this client
 * does not know), `status` the HTTP status (null when no answer came), `route` the route path.
 * @example
 * try { await client.login(email, password); }
 * catch (e) { if (e instanceof RelayError && e.code === 'E_INVALID_CREDENTIALS') retry(); }
 */
export class RelayError extends CodedError {
  readonly status: number | null;
  readonly route: string;

  constructor(
    code: string,
    detail: string,
    info: { status: number | null; route: string; cause?: unknown },
  ) {
    super(code, detail, info.cause === undefined ? undefined : { cause: info.cause });
    this.name = 'RelayError';
    this.status = info.status;
    this.route = info.route;
  }
}

/**
 * True when `e` is a RelayError, optionally with the given code.
 * @example
 * if (isRelayError(err, 'E_NETWORK')) showOfflineBanner();
 */
export function isRelayError(e: unknown, code?: RelayErrorCode): e is RelayError {
  return e instanceof RelayError && (code === undefined || e.code === code);
}
