import type { Mailer, MailMessage } from '../../src/ports.js';

/** Keeps mails in memory so tests can read codes; the real adapters have their own contract test. */
export class MemoryMailer implements Mailer {
  readonly sent: MailMessage[] = [];

  send(message: MailMessage): Promise<void> {
    this.sent.push(message);
    return Promise.resolve();
  }

  to(address: string): MailMessage[] {
    return this.sent.filter((m) => m.to === address);
  }

  lastCode(address: string): string {
    const mails = this.to(address);
    for (let i = mails.length - 1; i >= 0; i--) {
      const match = /verification code: (\d{6})/.exec(mails[i]?.subject ?? '');
      if (match?.[1] !== undefined) return match[1];
    }
    throw new Error(`no verification code mailed to ${address}`);
  }

  describe(): string {
    return 'memory';
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
