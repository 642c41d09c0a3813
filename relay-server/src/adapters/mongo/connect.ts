import mongoose from 'mongoose';
import type { Ports } from '../../container.js';
import { MongoAccountStore } from './accounts.js';
import { MongoAuditLog } from './audit.js';
import { createModels } from './models.js';
import { MongoKeyDirectory } from './keys.js';
import { MongoTokenStore } from './tokens.js';
import { MongoTransferStore } from './transfers.js';

export type MongoRecords = Pick<Ports, 'accounts' | 'tokens' | 'keys' | 'transfers' | 'audit'> & {
  close(): Promise<void>;
  dropDatabase(): Promise<void>;
};

/** Connects, builds indexes, and returns the record-store adapters on one connection. */
export async function connectMongo(url: string): Promise<MongoRecords> {
  const conn = await mongoose
    .createConnection(url, { serverSelectionTimeoutMS: 10_000 })
    .asPromise();
  const models = await createModels(conn);
  return {
    accounts: new MongoAccountStore(models),
    tokens: new MongoTokenStore(models),
    keys: new MongoKeyDirectory(models),
    transfers: new MongoTransferStore(models),
    audit: new MongoAuditLog(models),
    async close() {
      await conn.close();
    },
    async dropDatabase() {
      await conn.dropDatabase();
    },
  };
}
