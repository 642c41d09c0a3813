import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config.js';
import { DiskBlobStore } from './adapters/blob/disk.js';
import { OutboxMailer } from './adapters/mail/outbox.js';
import { SmtpMailer } from './adapters/mail/smtp.js';
import { SqliteAccountStore } from './adapters/sqlite/accounts.js';
import { SqliteAuditLog } from './adapters/sqlite/audit.js';
import { SqliteEventLog, SqliteKeyWatchers } from './adapters/sqlite/events.js';
import { SqliteLeaseStore } from './adapters/sqlite/lease.js';
import type { RedisConnections } from './adapters/redis/connect.js';
import { openDatabase } from './adapters/sqlite/db.js';
import { SqliteKeyDirectory } from './adapters/sqlite/keys.js';
import { SqliteTokenStore } from './adapters/sqlite/tokens.js';
import { SqliteTransferStore } from './adapters/sqlite/transfers.js';
import { EventBus, InProcessRealtime, type Realtime } from './events.js';
import type { Log } from './log.js';
import type {
  AccountStore,
  AuditLog,
  BlobStore,
  EventLog,
  KeyDirectory,
  KeyWatchers,
  LeaseStore,
  Mailer,
  TokenStore,
  TransferStore,
} from './ports.js';
import { JwtService } from './services/jwt.js';
import { sharedCryptoVerifier, type KeyVerifier } from './services/key-verifier.js';
import { loadServerKeys, type ServerKeys } from './services/server-secret.js';

export interface Ports {
  accounts: AccountStore;
  tokens: TokenStore;
  keys: KeyDirectory;
  transfers: TransferStore;
  audit: AuditLog;
  blobs: BlobStore;
  mailer: Mailer;
  /** Per-user realtime event log for catch-up. */
  events: EventLog;
  watchers: KeyWatchers;
  /** Redis leases when Redis is configured, else leases in the record store. */
  leases: LeaseStore;
}

export interface Container extends Ports {
  config: Config;
  serverKeys: ServerKeys;
  jwt: JwtService;
  keyVerifier: KeyVerifier;
  bus: EventBus;
  realtime: Realtime;
  /** Injectable so tests can move time past expiries without sleeping. */
  now: () => number;
  /** Reachability checks of the backing services by name, for `/readyz`; each rejects when down. */
  probes: Record<string, () => Promise<void>>;
  /** Set when `config.redisUrl` is: Socket.IO fan-out and rate-limit counters go through it. */
  redis: RedisConnections | undefined;
  close(): Promise<void>;
}

export interface ContainerOverrides extends Partial<Ports> {
  now?: () => number;
  keyVerifier?: KeyVerifier;
}

export async function createContainer(
  config: Config,
  log: Log,
  overrides: ContainerOverrides = {},
): Promise<Container> {
  await mkdir(config.dataDir, { recursive: true });
  const serverKeys = await loadServerKeys(config.jwtSecret, config.dataDir);
  const records = await createRecordStores(config);
  const redis = await connectRedisIfConfigured(config, log);
  const blobs = overrides.blobs ?? (await createBlobStore(config));
  const mailer =
    overrides.mailer ??
    (config.mailer === 'smtp' && config.smtpUrl !== undefined
      ? new SmtpMailer(config.smtpUrl, config.mailFrom, log)
      : new OutboxMailer(join(config.dataDir, 'outbox'), config.mailFrom, log));
  return {
    config,
    serverKeys,
    jwt: new JwtService(serverKeys.jwt, config.accessTokenTtlSeconds),
    bus: new EventBus(),
    realtime: new InProcessRealtime(),
    now: overrides.now ?? Date.now,
    keyVerifier: overrides.keyVerifier ?? sharedCryptoVerifier,
    accounts: overrides.accounts ?? records.accounts,
    tokens: overrides.tokens ?? records.tokens,
    keys: overrides.keys ?? records.keys,
    transfers: overrides.transfers ?? records.transfers,
    audit: overrides.audit ?? records.audit,
    blobs,
    mailer,
    events: overrides.events ?? records.events,
    watchers: overrides.watchers ?? records.watchers,
    leases: overrides.leases ?? redis?.leases ?? records.leases,
    redis,
    probes: {
      records: () => (overrides.transfers ?? records.transfers).ping(),
      blobs: () => blobs.ping?.() ?? Promise.resolve(),
      mail: () => mailer.ping?.() ?? Promise.resolve(),
      ...(redis ? { redis: () => redis.ping() } : {}),
    },
    async close() {
      await blobs.close();
      await mailer.close();
      await records.close();
      await redis?.close();
    },
  };
}

/** Events are kept at least as long as the longest transfer lives, plus a day of slack. */
export function eventRetentionMs(config: Config): number {
  return (config.maxExpirySeconds + 86400) * 1000;
}

async function connectRedisIfConfigured(
  config: Config,
  log: Log,
): Promise<RedisConnections | undefined> {
  if (config.redisUrl === undefined) return undefined;
  // Loaded on demand: a single instance never needs ioredis.
  const { connectRedis } = await import('./adapters/redis/connect.js');
  return connectRedis(config.redisUrl, log);
}

type RecordStores = Pick<
  Ports,
  'accounts' | 'tokens' | 'keys' | 'transfers' | 'audit' | 'events' | 'watchers' | 'leases'
> & {
  close(): Promise<void>;
};

async function createRecordStores(config: Config): Promise<RecordStores> {
  if (config.recordStore === 'mongodb' && config.mongodbUrl !== undefined) {
    // Loaded on demand, like the AWS SDK: the embedded default never pays for mongoose.
    const { connectMongo } = await import('./adapters/mongo/connect.js');
    return connectMongo(config.mongodbUrl, eventRetentionMs(config));
  }
  const db = openDatabase(join(config.dataDir, 'relay.sqlite'));
  return {
    accounts: new SqliteAccountStore(db),
    tokens: new SqliteTokenStore(db),
    keys: new SqliteKeyDirectory(db),
    transfers: new SqliteTransferStore(db),
    audit: new SqliteAuditLog(db),
    events: new SqliteEventLog(db),
    watchers: new SqliteKeyWatchers(db),
    leases: new SqliteLeaseStore(db),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

// Parts of a killed relay's unfinished uploads; no live upload takes an hour per part.
const STALE_TEMP_MS = 60 * 60 * 1000;

async function createBlobStore(config: Config): Promise<BlobStore> {
  if (config.blobStore === 's3' && config.s3 !== undefined) {
    // Loaded on demand: the AWS SDK costs tens of MB of memory the embedded default never needs.
    const { S3BlobStore } = await import('./adapters/blob/s3.js');
    const store = new S3BlobStore(config.s3, join(config.dataDir, 'spool'));
    await store.ensureBucket();
    await store.removeStaleSpool(STALE_TEMP_MS);
    return store;
  }
  const disk = new DiskBlobStore(join(config.dataDir, 'blobs'));
  await disk.removeStaleTemporaries(STALE_TEMP_MS);
  return disk;
}
