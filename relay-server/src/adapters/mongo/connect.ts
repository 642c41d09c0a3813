import mongoose from 'mongoose';
import type { Ports } from '../../container.js';
import { MongoAccountStore } from './accounts.js';
import { MongoAuditLog } from './audit.js';
import { createEventModels, MongoEventLog, MongoKeyWatchers } from './events.js';
import { createLeaseModel, MongoLeaseStore } from './lease.js';
import { createModels } from './models.js';
import { MongoKeyDirectory } from './keys.js';
import { MongoTokenStore } from './tokens.js';
import { MongoTransferStore } from './transfers.js';

export type MongoRecords = Pick<
  Ports,
  'accounts' | 'tokens' | 'keys' | 'transfers' | 'audit' | 'events' | 'watchers' | 'leases'
> & {
  close(): Promise<void>;
  dropDatabase(): Promise<void>;
};

/** Connects, builds indexes, and returns the record-store adapters on one connection. */
export async function connectMongo(
  url: string,
  eventRetentionMs = 31 * 86400 * 1000,
): Promise<MongoRecords> {
  const conn = await mongoose
    .createConnection(url, { serverSelectionTimeoutMS: 10_000 })
    .asPromise();
  const models = await createModels(conn);
  const eventModels = await createEventModels(conn);
  const leaseModel = await createLeaseModel(conn);
  return {
    accounts: new MongoAccountStore(models),
    tokens: new MongoTokenStore(models),
    keys: new MongoKeyDirectory(models),
    transfers: new MongoTransferStore(models),
    audit: new MongoAuditLog(models),
    events: new MongoEventLog(eventModels, eventRetentionMs),
    watchers: new MongoKeyWatchers(eventModels),
    leases: new MongoLeaseStore(leaseModel),
    async close() {
      await conn.close();
    },
    async dropDatabase() {
      await conn.dropDatabase();
    },
  };
}
