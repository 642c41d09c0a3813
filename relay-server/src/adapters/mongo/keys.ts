import type { KeyDirectory, KeyRecord } from '../../ports.js';
import type { KeyDoc, Models } from './models.js';

export class MongoKeyDirectory implements KeyDirectory {
  constructor(private readonly m: Models) {}

  async publish(userId: string, record: KeyRecord): Promise<void> {
    await this.m.Key.create({ userId, email: record.publication.email, ...record });
  }

  async history(email: string): Promise<KeyRecord[]> {
    const docs = await this.m.Key.find({ email }).sort({ publishedAt: 1, _id: 1 }).lean<KeyDoc[]>();
    return docs.map((d) => ({
      publication: d.publication,
      fingerprint: d.fingerprint,
      publishedAt: d.publishedAt,
    }));
  }

  async withKeys(emails: readonly string[]): Promise<Set<string>> {
    const found = await this.m.Key.distinct('email', { email: { $in: [...emails] } });
    return new Set(found.map(String));
  }
}
