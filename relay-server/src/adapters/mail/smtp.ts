import nodemailer from 'nodemailer';
import type { Mailer, MailMessage } from '../../ports.js';
import type { Log } from '../../log.js';

export class SmtpMailer implements Mailer {
  private readonly transport: nodemailer.Transporter;
  private readonly where: string;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    private readonly log: Log,
  ) {
    this.transport = nodemailer.createTransport(smtpUrl);
    const u = new URL(smtpUrl);
    // Never echo credentials from the URL into logs or the banner.
    this.where = `SMTP ${u.protocol}//${u.host}`;
  }

  async send(message: MailMessage): Promise<void> {
    const info = (await this.transport.sendMail({ from: this.from, ...message })) as {
      messageId?: string;
    };
    this.log.info(
      { mail: { to: message.to, subject: message.subject, messageId: info.messageId ?? null } },
      'mail sent via SMTP',
    );
  }

  /** The SMTP server answers and accepts the configured credentials (nodemailer `verify`). */
  async ping(): Promise<void> {
    await this.transport.verify();
  }

  describe(): string {
    return this.where;
  }

  close(): Promise<void> {
    this.transport.close();
    return Promise.resolve();
  }
}
