import { resolve } from 'node:path';

export interface S3Config {
  bucket: string;
  region: string;
  endpoint: string | undefined;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  forcePathStyle: boolean;
}

export interface Config {
  host: string;
  port: number;
  publicUrl: string | undefined;
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  jwtSecret: string | undefined;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  recordStore: 'sqlite' | 'mongodb';
  mongodbUrl: string | undefined;
  blobStore: 'disk' | 's3';
  s3: S3Config | undefined;
  mailer: 'outbox' | 'smtp';
  smtpUrl: string | undefined;
  mailFrom: string;
  quotaBytes: number;
  maxTransferBytes: number;
  minPartSize: number;
  maxPartSize: number;
  defaultExpirySeconds: number;
  maxExpirySeconds: number;
  sweepIntervalSeconds: number;
  adminEmails: string[];
  authRateLimitPerMinute: number;
  loginFailuresBeforeLock: number;
  lockoutSeconds: number;
  trustProxy: boolean;
  /** Redis for Socket.IO fan-out, rate-limit counters and the sweeper lease across instances. */
  redisUrl: string | undefined;
  /** New-transfer mails to one recipient within this window go out as one mail (0 = at once). */
  mailBatchSeconds: number;
  /** How often live sockets' sessions are re-checked (revoked elsewhere -> disconnected). */
  socketSessionCheckSeconds: number;
  /**
   * How long a download of a transfer still being uploaded waits for its next part before it ends
   * (the recipient resumes later); 0 turns live downloads off. Only blob stores that can read
   * parts before the upload completes (disk) serve them.
   */
  liveDownloadWaitSeconds: number;
  /** How long SIGTERM waits for in-flight part uploads before closing anyway. */
  shutdownGraceSeconds: number;
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${raw}`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const found = values.find((v) => v === raw);
  if (found === undefined) {
    throw new ConfigError(name, `must be one of ${values.join(', ')}, got "${raw}"`);
  }
  return found;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function str(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

function secret(env: Env, name: string, minBytes: number): string | undefined {
  const value = str(env, name);
  if (value !== undefined && Buffer.byteLength(value) < minBytes) {
    throw new ConfigError(name, `must be at least ${minBytes} bytes long`);
  }
  return value;
}

function required(env: Env, name: string, why: string): string {
  const value = str(env, name);
  if (value === undefined) throw new ConfigError(name, `is required ${why}`);
  return value;
}

function url(env: Env, name: string, protocols?: readonly string[]): string | undefined {
  const value = str(env, name);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    // Not echoed: a URL with a typo may still carry a password.
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (protocols !== undefined && !protocols.includes(parsed.protocol)) {
    // The protocol alone, never the whole value: these URLs may carry credentials.
    throw new ConfigError(
      name,
      `must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got ${parsed.protocol}//`,
    );
  }
  return value;
}

/** DATACRYPT_REDIS_URL, or the conventional REDIS_URL when that is the one set. */
function redisUrl(env: Env): string | undefined {
  const name = str(env, 'DATACRYPT_REDIS_URL') !== undefined ? 'DATACRYPT_REDIS_URL' : 'REDIS_URL';
  return url(env, name, ['redis:', 'rediss:']);
}

/** Reads and validates every DATACRYPT_* variable; throws ConfigError naming the first bad one. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const recordStore = oneOf(env, 'DATACRYPT_RECORD_STORE', ['sqlite', 'mongodb'], 'sqlite');
  const blobStore = oneOf(env, 'DATACRYPT_BLOB_STORE', ['disk', 's3'], 'disk');
  const mailer = oneOf(env, 'DATACRYPT_MAILER', ['outbox', 'smtp'], 'outbox');
  const jwtSecret = str(env, 'DATACRYPT_JWT_SECRET');
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < 32) {
    throw new ConfigError('DATACRYPT_JWT_SECRET', 'must be at least 32 bytes long');
  }
  const minPartSize = int(env, 'DATACRYPT_MIN_PART_SIZE', 5 * MiB, 1, GiB);
  const maxPartSize = int(env, 'DATACRYPT_MAX_PART_SIZE', 64 * MiB, 1, GiB);
  if (maxPartSize < minPartSize) {
    throw new ConfigError('DATACRYPT_MAX_PART_SIZE', 'must not be below DATACRYPT_MIN_PART_SIZE');
  }
  const maxExpirySeconds = int(env, 'DATACRYPT_MAX_EXPIRY_SECONDS', 30 * 86400, 60, 3650 * 86400);
  const defaultExpirySeconds = int(
    env,
    'DATACRYPT_DEFAULT_EXPIRY_SECONDS',
    Math.min(7 * 86400, maxExpirySeconds),
    60,
    maxExpirySeconds,
  );
  const adminEmails = (str(env, 'DATACRYPT_ADMIN_EMAILS') ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '');
  const notEmail = adminEmails.find((e) => !/^[^@\s]+@[^@\s]+$/.test(e));
  if (notEmail !== undefined) {
    throw new ConfigError('DATACRYPT_ADMIN_EMAILS', `"${notEmail}" is not an email address`);
  }

  return {
    host: str(env, 'DATACRYPT_HOST') ?? '127.0.0.1',
    port: int(env, 'DATACRYPT_PORT', 8787, 0, 65535),
    publicUrl: url(env, 'DATACRYPT_PUBLIC_URL', ['http:', 'https:']),
    dataDir: resolve(cwd, str(env, 'DATACRYPT_DATA_DIR') ?? 'data'),
    logLevel: oneOf(
      env,
      'DATACRYPT_LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'info',
    ),
    jwtSecret,
    accessTokenTtlSeconds: int(env, 'DATACRYPT_ACCESS_TOKEN_TTL_SECONDS', 900, 10, 86400),
    refreshTokenTtlSeconds: int(
      env,
      'DATACRYPT_REFRESH_TOKEN_TTL_SECONDS',
      30 * 86400,
      60,
      365 * 86400,
    ),
    recordStore,
    mongodbUrl:
      recordStore === 'mongodb'
        ? (url(env, 'DATACRYPT_MONGODB_URL', ['mongodb:', 'mongodb+srv:']) ??
          required(env, 'DATACRYPT_MONGODB_URL', 'when DATACRYPT_RECORD_STORE=mongodb'))
        : undefined,
    blobStore,
    s3:
      blobStore === 's3'
        ? {
            bucket: required(env, 'DATACRYPT_S3_BUCKET', 'when DATACRYPT_BLOB_STORE=s3'),
            region: str(env, 'DATACRYPT_S3_REGION') ?? 'us-east-1',
            endpoint: url(env, 'DATACRYPT_S3_ENDPOINT', ['http:', 'https:']),
            accessKeyId: str(env, 'DATACRYPT_S3_ACCESS_KEY_ID'),
            secretAccessKey: str(env, 'DATACRYPT_S3_SECRET_ACCESS_KEY'),
            forcePathStyle: bool(env, 'DATACRYPT_S3_FORCE_PATH_STYLE', false),
          }
        : undefined,
    mailer,
    smtpUrl:
      mailer === 'smtp'
        ? (url(env, 'DATACRYPT_SMTP_URL', ['smtp:', 'smtps:']) ??
          required(env, 'DATACRYPT_SMTP_URL', 'when DATACRYPT_MAILER=smtp'))
        : undefined,
    mailFrom: str(env, 'DATACRYPT_MAIL_FROM') ?? 'DataCrypt Relay <relay@localhost>',
    quotaBytes: int(env, 'DATACRYPT_QUOTA_BYTES', 5 * GiB, 0, Number.MAX_SAFE_INTEGER),
    maxTransferBytes: int(env, 'DATACRYPT_MAX_TRANSFER_BYTES', 5 * GiB, 1, Number.MAX_SAFE_INTEGER),
    minPartSize,
    maxPartSize,
    defaultExpirySeconds,
    maxExpirySeconds,
    sweepIntervalSeconds: int(env, 'DATACRYPT_SWEEP_INTERVAL_SECONDS', 60, 1, 86400),
    adminEmails,
    authRateLimitPerMinute: int(env, 'DATACRYPT_AUTH_RATE_LIMIT_PER_MINUTE', 20, 1, 1_000_000),
    loginFailuresBeforeLock: int(env, 'DATACRYPT_LOGIN_FAILURES_BEFORE_LOCK', 10, 1, 1000),
    lockoutSeconds: int(env, 'DATACRYPT_LOCKOUT_SECONDS', 900, 1, 86400),
    trustProxy: bool(env, 'DATACRYPT_TRUST_PROXY', false),
    redisUrl: redisUrl(env),
    mailBatchSeconds: int(env, 'DATACRYPT_MAIL_BATCH_SECONDS', 60, 0, 86400),
    socketSessionCheckSeconds: int(env, 'DATACRYPT_SOCKET_SESSION_CHECK_SECONDS', 60, 1, 3600),
    liveDownloadWaitSeconds: int(env, 'DATACRYPT_LIVE_DOWNLOAD_WAIT_SECONDS', 60, 0, 3600),
    shutdownGraceSeconds: int(env, 'DATACRYPT_SHUTDOWN_GRACE_SECONDS', 30, 0, 3600),
    metricsToken: secret(env, 'DATACRYPT_METRICS_TOKEN', 16),
  };
}
