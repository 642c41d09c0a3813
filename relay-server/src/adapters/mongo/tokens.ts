import type { RefreshConsumeResult, TokenStore } from '../../ports.js';
import type { FamilyDoc, Models, RefreshDoc } from './models.js';

export class MongoTokenStore implements TokenStore {
  constructor(private readonly m: Models) {}

  async createFamily(familyId: string, userId: string, now: number): Promise<void> {
    await this.m.Family.create({ _id: familyId, userId, createdAt: now, revokedAt: null });
  }

  async isFamilyActive(familyId: string): Promise<boolean> {
    return (await this.m.Family.exists({ _id: familyId, revokedAt: null })) !== null;
  }

  async revokeFamily(familyId: string, now: number): Promise<void> {
    await this.m.Family.updateOne({ _id: familyId, revokedAt: null }, { $set: { revokedAt: now } });
  }

  async revokeAllFamilies(userId: string, now: number): Promise<void> {
    await this.m.Family.updateMany({ userId, revokedAt: null }, { $set: { revokedAt: now } });
  }

  async insertRefresh(t: { hash: string; familyId: string; userId: string; expiresAt: number }) {
    await this.m.Refresh.create({
      _id: t.hash,
      familyId: t.familyId,
      userId: t.userId,
      expiresAt: t.expiresAt,
      expiresAtDate: new Date(t.expiresAt),
      usedAt: null,
    });
  }

  async consumeRefresh(hash: string, now: number): Promise<RefreshConsumeResult> {
    const token = await this.m.Refresh.findById(hash).lean<RefreshDoc>();
    if (token === null) return { kind: 'invalid' };
    const reused = { kind: 'reused', userId: token.userId, familyId: token.familyId } as const;
    if (token.usedAt !== null) return reused;
    const family = await this.m.Family.findById(token.familyId).lean<FamilyDoc>();
    if (family === null || family.revokedAt !== null || token.expiresAt <= now) {
      return { kind: 'invalid' };
    }
    // The conditional update is the atomic step: of two concurrent uses, one sees reuse.
    const spent = await this.m.Refresh.updateOne(
      { _id: hash, usedAt: null },
      { $set: { usedAt: now } },
    );
    if (spent.modifiedCount !== 1) return reused;
    return { kind: 'ok', userId: token.userId, familyId: token.familyId };
  }

  async tryAttempt(key: string, now: number, windowMs: number, max: number): Promise<boolean> {
    // Hits live in separate documents, so: insert, then count. Every caller counts its own hit
    // and all inserted before it, so the (max + 1)-th concurrent hit always sees more than max
    // and takes itself back; over-cautious (both may back off) but never over the limit.
    const hit = await this.m.Attempt.create({ key, at: now, expireAt: new Date(now + windowMs) });
    if ((await this.m.Attempt.countDocuments({ key, at: { $gt: now - windowMs } })) <= max) {
      return true;
    }
    await this.m.Attempt.deleteOne({ _id: hit._id });
    return false;
  }

  async clearAttempts(key: string): Promise<void> {
    await this.m.Attempt.deleteMany({ key });
  }
}
