import type { AuditLog, AuditRecord } from '../../ports.js';
import type { AuditDoc, Models } from './models.js';

export class MongoAuditLog implements AuditLog {
  constructor(private readonly m: Models) {}

  async append(e: AuditRecord): Promise<void> {
    await this.m.Audit.create(e);
  }

  async list(userId: string, limit: number, offset: number): Promise<AuditRecord[]> {
    // ObjectIds grow with insertion, so _id order is append order.
    const docs = await this.m.Audit.find({ userId })
      .sort({ _id: -1 })
      .skip(offset)
      .limit(limit)
      .lean<AuditDoc[]>();
    return docs.map((d) => ({
      userId: d.userId,
      type: d.type,
      at: d.at,
      ip: d.ip,
      transferId: d.transferId,
    }));
  }
}
