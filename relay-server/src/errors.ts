import type { ErrorCode } from './contract/index.js';

const statusOf: Record<ErrorCode, number> = {
  E_VALIDATION: 400,
  E_BAD_JSON: 400,
  E_BODY_TOO_LARGE: 413,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_NOT_FOUND: 404,
  E_RATE_LIMITED: 429,
  E_TOO_MANY_ATTEMPTS: 429,
  E_INTERNAL: 500,
  E_AUTH_REQUIRED: 401,
  E_AUTH_INVALID: 401,
  E_FORBIDDEN: 403,
  E_INVALID_CREDENTIALS: 401,
  E_EMAIL_NOT_VERIFIED: 403,
  E_CODE_INVALID: 400,
  E_TOTP_INVALID: 401,
  E_TOTP_ALREADY_ENABLED: 409,
  E_TOTP_NOT_ENABLED: 409,
  E_REFRESH_INVALID: 401,
  E_REFRESH_REUSED: 401,
  E_KEY_SIGNATURE: 400,
  E_KEY_EMAIL_MISMATCH: 400,
  E_KEY_STALE: 409,
  E_RECIPIENT_NO_KEY: 422,
  E_QUOTA_EXCEEDED: 413,
  E_TRANSFER_TOO_LARGE: 413,
  E_EXPIRY_TOO_LONG: 400,
  E_PART_SIZE: 400,
  E_PART_NUMBER: 400,
  E_PART_CHECKSUM: 400,
  E_TRANSFER_STATE: 409,
  E_PARTS_MISSING: 409,
  E_GONE: 410,
  E_REVOKED: 410,
  E_DOWNLOAD_LIMIT: 410,
  E_RANGE_NOT_SATISFIABLE: 416,
  E_STORAGE: 503,
  E_TOKEN_EXPIRED: 401,
  E_SHUTTING_DOWN: 503,
};

/** An error whose code and status are part of the API contract. */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = statusOf[code];
  }
}

export function httpStatusOf(code: ErrorCode): number {
  return statusOf[code];
}
