import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Mailer, MailMessage } from '../../ports.js';
import type { Log } from '../../log.js';

/** Embedded default: every mail becomes an .eml file an operator (or a test) can open. */
export class OutboxMailer implements Mailer {
  private readonly transport = nodemailer.createTransport({ streamTransport: true, buffer: true });

  constructor(
    private readonly dir: string,
    private readonly from: string,
    private readonly log: Log,
  ) {}

  async send(message: MailMessage): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const info = await this.transport.sendMail({ from: this.from, ...message });
    const raw = info.message as Buffer;
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`;
    const temp = join(this.dir, `.${name}.tmp`);
    const fh = await open(temp, 'wx');
    try {
      await fh.writeFile(raw);
      await fh.sync();
    } finally {
      await fh.close();
    }
    const file = join(this.dir, name);
    await rename(temp, file);
    this.log.info(
      { mail: { to: message.to, subject: message.subject, file } },
      'mail written to outbox',
    );
  }

  /** The outbox folder exists (created if missing) and is writable by this process. */
  async ping(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await access(this.dir, constants.W_OK);
  }

  describe(): string {
    return `outbox folder ${this.dir}`;
  }

  close(): Promise<void> {
    this.transport.close();
    return Promise.resolve();
  }
}
