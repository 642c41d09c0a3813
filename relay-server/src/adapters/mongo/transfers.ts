import type { QueryFilter } from 'mongoose';
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

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class MongoTransferStore implements TransferStore {
  constructor(private readonly m: Models) {}

  async create(t: TransferRecord): Promise<void> {
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
  }

  async get(id: string): Promise<TransferRecord | undefined> {
    const d = await this.m.Transfer.findById(id).lean<TransferDoc>();
    return d === null ? undefined : toRecord(d);
  }

  async putPart(transferId: string, p: PartRecord): Promise<boolean> {
    // No cross-collection atomicity without a transaction, so: write, then check. `remove` deletes
    // the transfer before its parts, so a part written after `remove` swept them sees the
    // transfer gone here and takes itself back; one written before is swept by `remove`.
    await this.m.Part.updateOne(
      { transferId, n: p.n },
      { $set: { size: p.size, sha256: p.sha256, etag: p.etag } },
      { upsert: true },
    );
    if ((await this.m.Transfer.exists({ _id: transferId, deleting: false })) !== null) return true;
    await this.m.Part.deleteMany({ transferId });
    return false;
  }

  async parts(transferId: string): Promise<PartRecord[]> {
    const docs = await this.m.Part.find({ transferId }).sort({ n: 1 }).lean<PartDoc[]>();
    return docs.map(({ n, size, sha256, etag }) => ({ n, size, sha256, etag }));
  }

  async finalize(transferId: string, now: number): Promise<boolean> {
    const r = await this.m.Transfer.updateOne(
      { _id: transferId, status: 'uploading', deleting: false },
      { $set: { status: 'ready', finalizedAt: now } },
    );
    return r.modifiedCount === 1;
  }

  private async list(base: QueryFilter<TransferDoc>, f: TransferFilter, now: number) {
    const and: QueryFilter<TransferDoc>[] = [base, { deleting: false }];
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

  async remove(transferId: string): Promise<void> {
    await this.m.Transfer.deleteOne({ _id: transferId });
    await this.m.Part.deleteMany({ transferId });
  }

  async sweepable(now: number, staleBefore: number, limit: number): Promise<TransferRecord[]> {
    const docs = await this.m.Transfer.find({
      $or: [
        { deleting: true },
        { expiresAt: { $lte: now } },
        { status: 'uploading', createdAt: { $lt: staleBefore } },
      ],
    })
      .sort({ expiresAt: 1 })
      .limit(limit)
      .lean<TransferDoc[]>();
    return docs.map(toRecord);
  }

  async usedBytes(userId: string): Promise<number> {
    const rows = await this.m.Transfer.aggregate<{ used: number }>([
      { $match: { senderId: userId, deleting: false } },
      { $group: { _id: null, used: { $sum: '$size' } } },
    ]);
    return rows[0]?.used ?? 0;
  }
}
