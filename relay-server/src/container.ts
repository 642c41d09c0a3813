import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config.js';
import { DiskBlobStore } from './adapters/blob/disk.js';
import { OutboxMailer } from './adapters/mail/outbox.js';
import { SmtpMailer } from './adapters/mail/smtp.js';
import { SqliteAccountStore } from './adapters/sqlite/accounts.js';
import { SqliteAuditLog } from './adapters/sqlite/audit.js';
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
  KeyDirectory,
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
    async close() {
      await blobs.close();
      await mailer.close();
      await records.close();
    },
  };
}

type RecordStores = Pick<Ports, 'accounts' | 'tokens' | 'keys' | 'transfers' | 'audit'> & {
  close(): Promise<void>;
};

async function createRecordStores(config: Config): Promise<RecordStores> {
  if (config.recordStore === 'mongodb' && config.mongodbUrl !== undefined) {
    // Loaded on demand, like the AWS SDK: the embedded default never pays for mongoose.
    const { connectMongo } = await import('./adapters/mongo/connect.js');
    return connectMongo(config.mongodbUrl);
  }
  const db = openDatabase(join(config.dataDir, 'relay.sqlite'));
  return {
    accounts: new SqliteAccountStore(db),
    tokens: new SqliteTokenStore(db),
    keys: new SqliteKeyDirectory(db),
    transfers: new SqliteTransferStore(db),
    audit: new SqliteAuditLog(db),
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
