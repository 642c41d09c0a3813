import mongoose, { type QueryFilter } from 'mongoose';
import type { PartRecord, TransferFilter, TransferRecord, TransferStore } from '../../ports.js';
import type { Models, PartDoc, TransferDoc } from './models.js';

function toRecord(d: TransferDoc): TransferRecord {
  return {
    id: d._id,
    senderId: d.senderId,
    senderEmail: d.senderEmail,
    size: d.size,
    partSize: d.partSize,
    partCount: d.partCount,
    status: d.status,
    deleting: d.deleting,
    revokedAt: d.revokedAt ?? null,
    finalizingAt: d.finalizingAt ?? null,
    createdAt: d.createdAt,
    finalizedAt: d.finalizedAt,
    expiresAt: d.expiresAt,
    maxDownloads: d.maxDownloads,
    downloads: d.downloads,
    blobHandle: d.blobHandle,
    recipients: [...d.recipients]
      .sort((a, b) => a.email.localeCompare(b.email))
      .map((r) => ({
        userId: r.userId,
        email: r.email,
        hidden: r.hidden,
        downloadedAt: r.downloadedAt,
        receipt:
          r.receiptSignature !== null && r.receiptAt !== null
            ? { signature: r.receiptSignature, createdAt: r.receiptAt }
            : null,
      })),
  };
}

/** Neither revoked nor waiting for its blob to be deleted. */
const LIVE = { deleting: false, revokedAt: null } as const;
/** Takes parts: uploading, not yet finalizing, live. */
const OPEN_UPLOAD = { status: 'uploading', finalizingAt: null, ...LIVE } as const;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class MongoTransferStore implements TransferStore {
  constructor(private readonly m: Models) {}

  async create(t: TransferRecord, quotaBytes?: number): Promise<boolean> {
    const { id, recipients, ...rest } = t;
    await this.m.Transfer.create({
      _id: id,
      ...rest,
      recipients: recipients.map((r) => ({
        userId: r.userId,
        email: r.email,
        hidden: r.hidden,
        downloadedAt: r.downloadedAt,
        receiptSignature: r.receipt?.signature ?? null,
        receiptAt: r.receipt?.createdAt ?? null,
      })),
    });
    // No multi-document atomicity without a transaction, so: insert, then sum. Every creator sums
    // its own record and all inserted before it, so the one that overshoots sees it and takes
    // itself back; over-cautious (both may back off) but never over the quota.
    if (quotaBytes !== undefined && (await this.usedBytes(t.senderId)) > quotaBytes) {
      await this.m.Transfer.deleteOne({ _id: t.id });
      return false;
    }
    return true;
  }

  async get(id: string): Promise<TransferRecord | undefined> {
    const d = await this.m.Transfer.findById(id).lean<TransferDoc>();
    return d === null ? undefined : toRecord(d);
  }

  async putPart(transferId: string, p: PartRecord): Promise<boolean> {
    // No cross-collection atomicity without a transaction, so: check, write, check again. `remove`
    // deletes the transfer before its parts, so a part written after `remove` swept them sees the
    // transfer gone and takes itself back; one written before is swept by `remove`.
    if ((await this.m.Transfer.exists({ _id: transferId, ...OPEN_UPLOAD })) === null) return false;
    const before = await this.m.Part.findOneAndUpdate(
      { transferId, n: p.n },
      { $set: { size: p.size, sha256: p.sha256, etag: p.etag } },
      { upsert: true },
    ).lean<PartDoc>();
    if ((await this.m.Transfer.exists({ _id: transferId, ...OPEN_UPLOAD })) !== null) return true;
    // Closed meanwhile (finalize, revoke): undo this write only, putting back the version it
    // replaced, so a finalize that read the parts before it still finds what it read.
    if (before === null) {
      await this.m.Part.deleteOne({ transferId, n: p.n, etag: p.etag });
    } else {
      await this.m.Part.updateOne(
        { transferId, n: p.n, etag: p.etag },
        { $set: { size: before.size, sha256: before.sha256, etag: before.etag } },
      );
    }
    return false;
  }

  async parts(transferId: string): Promise<PartRecord[]> {
    const docs = await this.m.Part.find({ transferId }).sort({ n: 1 }).lean<PartDoc[]>();
    return docs.map(({ n, size, sha256, etag }) => ({ n, size, sha256, etag }));
  }

  async beginFinalize(transferId: string, now: number): Promise<boolean> {
    const r = await this.m.Transfer.updateOne(
      { _id: transferId, ...OPEN_UPLOAD },
      { $set: { finalizingAt: now } },
    );
    return r.modifiedCount === 1;
  }

  async finalize(transferId: string, now: number): Promise<boolean> {
    const r = await this.m.Transfer.updateOne(
      { _id: transferId, status: 'uploading', finalizingAt: { $ne: null }, ...LIVE },
      { $set: { status: 'ready', finalizedAt: now } },
    );
    return r.modifiedCount === 1;
  }

  private async list(base: QueryFilter<TransferDoc>, f: TransferFilter, now: number) {
    const and: QueryFilter<TransferDoc>[] = [base, LIVE];
    if (f.status === 'expired') and.push({ expiresAt: { $lte: now } });
    else if (f.status !== undefined) and.push({ status: f.status, expiresAt: { $gt: now } });
    if (f.from !== undefined) and.push({ createdAt: { $gte: f.from } });
    if (f.to !== undefined) and.push({ createdAt: { $lte: f.to } });
    if (f.minSize !== undefined) and.push({ size: { $gte: f.minSize } });
    if (f.maxSize !== undefined) and.push({ size: { $lte: f.maxSize } });
    if (f.q !== undefined && f.q !== '') {
      const re = new RegExp(escapeRegex(f.q.toLowerCase()));
      and.push({ $or: [{ senderEmail: re }, { 'recipients.email': re }] });
    }
    const filter: QueryFilter<TransferDoc> = { $and: and };
    const [docs, total] = await Promise.all([
      this.m.Transfer.find(filter)
        .sort({ createdAt: -1, _id: 1 })
        .skip(f.offset)
        .limit(f.limit)
        .lean<TransferDoc[]>(),
      this.m.Transfer.countDocuments(filter),
    ]);
    return { items: docs.map(toRecord), total };
  }

  listInbox(userId: string, f: TransferFilter, now: number) {
    return this.list(
      { recipients: { $elemMatch: { userId, hidden: false } }, status: 'ready' },
      f,
      now,
    );
  }

  listSent(userId: string, f: TransferFilter, now: number) {
    return this.list({ senderId: userId }, f, now);
  }

  async recordDownload(transferId: string, recipientId: string, now: number): Promise<boolean> {
    const counted = await this.m.Transfer.updateOne(
      {
        _id: transferId,
        ...LIVE,
        $or: [{ maxDownloads: null }, { $expr: { $lt: ['$downloads', '$maxDownloads'] } }],
      },
      { $inc: { downloads: 1 } },
    );
    if (counted.modifiedCount !== 1) return false;
    await this.m.Transfer.updateOne(
      { _id: transferId, recipients: { $elemMatch: { userId: recipientId, downloadedAt: null } } },
      { $set: { 'recipients.$.downloadedAt': now } },
    );
    return true;
  }

  async setReceipt(transferId: string, recipientId: string, signature: string, now: number) {
    const r = await this.m.Transfer.updateOne(
      { _id: transferId, 'recipients.userId': recipientId },
      { $set: { 'recipients.$.receiptSignature': signature, 'recipients.$.receiptAt': now } },
    );
    return r.matchedCount === 1;
  }

  async hide(transferId: string, recipientId: string): Promise<boolean> {
    const r = await this.m.Transfer.updateOne(
      { _id: transferId, 'recipients.userId': recipientId },
      { $set: { 'recipients.$.hidden': true } },
    );
    return r.matchedCount === 1;
  }

  async markDeleting(transferId: string): Promise<void> {
    await this.m.Transfer.updateOne({ _id: transferId }, { $set: { deleting: true } });
  }

  async revoke(transferId: string, now: number): Promise<boolean> {
    const r = await this.m.Transfer.updateOne(
      { _id: transferId, revokedAt: null },
      { $set: { revokedAt: now, deleting: true } },
    );
    return r.modifiedCount === 1;
  }

  async keepTombstone(transferId: string): Promise<void> {
    await this.m.Transfer.updateOne(
      { _id: transferId, revokedAt: { $ne: null } },
      { $set: { deleting: false } },
    );
    await this.m.Part.deleteMany({ transferId });
  }

  async remove(transferId: string): Promise<void> {
    await this.m.Transfer.deleteOne({ _id: transferId });
    await this.m.Part.deleteMany({ transferId });
  }

  async sweepable(now: number, staleBefore: number, limit: number): Promise<TransferRecord[]> {
    const docs = await this.m.Transfer.find({
      $or: [
        { deleting: true },
        { expiresAt: { $lte: now } },
        { status: 'uploading', revokedAt: null, createdAt: { $lt: staleBefore } },
      ],
    })
      .sort({ expiresAt: 1 })
      .limit(limit)
      .lean<TransferDoc[]>();
    return docs.map(toRecord);
  }

  async usedBytes(userId: string): Promise<number> {
    const rows = await this.m.Transfer.aggregate<{ used: number }>([
      { $match: { senderId: userId, ...LIVE } },
      { $group: { _id: null, used: { $sum: '$size' } } },
    ]);
    return rows[0]?.used ?? 0;
  }

  async ping(): Promise<void> {
    const conn = this.m.Transfer.db;
    // Not connected: fail now instead of waiting for mongoose's command buffering to time out.
    if (conn.readyState !== mongoose.ConnectionStates.connected || conn.db === undefined) {
      throw new Error('MongoDB is not connected');
    }
    await conn.db.admin().command({ ping: 1 });
  }
}
