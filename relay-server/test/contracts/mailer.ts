import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailer } from '../../src/ports.js';

export interface DeliveredMail {
  to: string;
  from: string;
  subject: string;
  text: string;
}

/** The Mailer contract: what is sent arrives intact, addressed and readable. */
export function mailerContract(
  name: string,
  open: () => Promise<{
    mailer: Mailer;
    delivered: () => Promise<DeliveredMail[]>;
    cleanup: () => Promise<void>;
  }>,
) {
  describe(`Mailer contract: ${name}`, () => {
    let mailer: Mailer;
    let delivered: () => Promise<DeliveredMail[]>;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ mailer, delivered, cleanup } = await open());
    });
    afterAll(async () => {
      await mailer.close();
      await cleanup();
    });

    it('answers ping while the destination is reachable (/readyz)', async () => {
      expect(typeof mailer.ping).toBe('function');
      await expect(mailer.ping?.()).resolves.toBeUndefined();
    });

    it('delivers to, from, subject and a UTF-8 body', async () => {
      await mailer.send({
        to: 'alice@example.com',
        subject: 'Your code: 123456 — ünïcödé',
        text: 'Hello Alice,\nyour code is 123456.\n✓',
      });
      await mailer.send({ to: 'bob@example.com', subject: 'second', text: 'two' });
      const mails = await delivered();
      expect(mails).toHaveLength(2);
      const first = mails.find((m) => m.to === 'alice@example.com');
      expect(first?.subject).toBe('Your code: 123456 — ünïcödé');
      expect(first?.text.trim()).toBe('Hello Alice,\nyour code is 123456.\n✓');
      expect(first?.from).toContain('relay@datacrypt.test');
      expect(mails.find((m) => m.to === 'bob@example.com')?.text.trim()).toBe('two');
      expect(mailer.describe()).not.toBe('');
    });
  });
}
