import type { KeyPublicationBody } from '../../contract/index.js';
import type { KeyDirectory, KeyRecord } from '../../ports.js';
import type { Db } from './db.js';

export class SqliteKeyDirectory implements KeyDirectory {
  constructor(private readonly db: Db) {}

  publish(userId: string, record: KeyRecord): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO keys (user_id, email, publication, fingerprint, published_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(
        userId,
        record.publication.email,
        JSON.stringify(record.publication),
        record.fingerprint,
        record.publishedAt,
      );
    return Promise.resolve();
  }

  history(email: string): Promise<KeyRecord[]> {
    const rows = this.db
      .prepare(
        'SELECT publication, fingerprint, published_at FROM keys WHERE email = ? ORDER BY seq',
      )
      .all(email) as { publication: string; fingerprint: string; published_at: number }[];
    return Promise.resolve(
      rows.map((r) => ({
        publication: JSON.parse(r.publication) as KeyPublicationBody,
        fingerprint: r.fingerprint,
        publishedAt: r.published_at,
      })),
    );
  }

  withKeys(emails: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const query = this.db.prepare('SELECT 1 AS ok FROM keys WHERE email = ? LIMIT 1');
    for (const email of emails) if (query.get(email) !== undefined) found.add(email);
    return Promise.resolve(found);
  }
}
