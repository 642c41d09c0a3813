/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   mongoose types its schema options bags as classes; plain literals are its documented input. */
import { Schema, type Connection, type Model } from 'mongoose';
import type { LeaseStore } from '../../ports.js';

export interface LeaseDoc {
  _id: string;
  holder: string;
  expiresAt: number;
  /** TTL twin of expiresAt so abandoned leases do not pile up. */
  expireAtDate: Date;
}

const leaseSchema = new Schema<LeaseDoc>(
  {
    _id: { type: String, required: true },
    holder: { type: String, required: true },
    expiresAt: { type: Number, required: true },
    expireAtDate: { type: Date, required: true, expires: 3600 },
  },
  { versionKey: false },
);

export async function createLeaseModel(conn: Connection): Promise<Model<LeaseDoc>> {
  const model = conn.model<LeaseDoc>('Lease', leaseSchema);
  await model.init();
  return model;
}

function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 11000;
}

/**
 * Leases in MongoDB: a conditional upsert on the lease's _id. When the lease is held by someone
 * else and unexpired the filter misses, the upsert collides with the existing _id, and we lose.
 */
export class MongoLeaseStore implements LeaseStore {
  constructor(private readonly Lease: Model<LeaseDoc>) {}

  async acquire(name: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
    try {
      const doc = await this.Lease.findOneAndUpdate(
        { _id: name, $or: [{ holder }, { expiresAt: { $lte: now } }] },
        { $set: { holder, expiresAt: now + ttlMs, expireAtDate: new Date(now + ttlMs) } },
        { upsert: true, returnDocument: 'after' },
      ).lean<LeaseDoc>();
      return doc.holder === holder;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async release(name: string, holder: string): Promise<void> {
    await this.Lease.deleteOne({ _id: name, holder });
  }
}
