import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpMailer } from '../src/adapters/mail/smtp.js';
import {
  ErrorCode,
  Routes,
  type NotificationPrefs,
  type PublicKeyResponse,
} from '../src/contract/index.js';
import type { Log } from '../src/log.js';
import type { MailMessage } from '../src/ports.js';
import { MemoryMailer } from './helpers/memory-mailer.js';
import { waitFor } from './helpers/realtime.js';
import { call, makeUser, startRelay, type TestRelay, type TestUser } from './helpers/relay.js';
import { sendTransfer } from './helpers/upload.js';

interface Delivered {
  to: string;
  subject: string;
  text: string;
}

// A real SMTP server (smtp-server, plain SMTP on loopback) that parses what it receives.
let smtp: SMTPServer;
let smtpUrl: string;
const delivered: Delivered[] = [];
const quiet: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Keeps mails in memory (verification codes for the test users) and delivers them over SMTP. */
class SmtpTeeMailer extends MemoryMailer {
  private readonly smtp = new SmtpMailer(smtpUrl, 'DataCrypt <relay@datacrypt.test>', quiet);

  override async send(message: MailMessage): Promise<void> {
    await super.send(message);
    await this.smtp.send(message);
  }

  override async close(): Promise<void> {
    await this.smtp.close();
  }
}

const notifications = (to: string) =>
  delivered.filter((m) => m.to === to && m.subject.includes('encrypted transfer'));

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, done) {
      simpleParser(stream).then(
        (m) => {
          const to = Array.isArray(m.to) ? m.to[0] : m.to;
          delivered.push({
            to: to?.value[0]?.address ?? '',
            subject: m.subject ?? '',
            text: m.text ?? '',
          });
          done();
        },
        (err: unknown) => {
          done(err as Error);
        },
      );
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => {
    smtp.close(resolve);
  });
});

async function fingerprintPrefix(relay: TestRelay, viewer: TestUser, of: TestUser) {
  const res = await call<PublicKeyResponse>(relay, 'GET', `/api/users/public-key/${of.email}`, {
    token: viewer.access,
  });
  return res.body.current.fingerprint.split(' ').slice(0, 4).join(' ');
}

describe('new-transfer mail, batched', () => {
  let relay: TestRelay;
  let sam: TestUser;
  let tom: TestUser;
  let rita: TestUser;
  let uma: TestUser;

  beforeAll(async () => {
    relay = await startRelay(
      { DATACRYPT_MAIL_BATCH_SECONDS: '3600', DATACRYPT_SHUTDOWN_GRACE_SECONDS: '1' },
      { mailer: new SmtpTeeMailer() },
    );
    sam = await makeUser(relay, 'sam@example.com');
    tom = await makeUser(relay, 'tom@example.com');
    rita = await makeUser(relay, 'rita@example.com');
    uma = await makeUser(relay, 'uma@example.com');
  });

  it('reads and sets the preference (default on); bad bodies are refused', async () => {
    const get = await call<NotificationPrefs>(relay, 'GET', Routes.notifications, {
      token: uma.access,
    });
    expect(get).toMatchObject({ status: 200, body: { emailOnNewTransfer: true } });
    const put = await call<NotificationPrefs>(relay, 'PUT', Routes.notifications, {
      token: uma.access,
      body: { emailOnNewTransfer: false },
    });
    expect(put).toMatchObject({ status: 200, body: { emailOnNewTransfer: false } });
    const again = await call<NotificationPrefs>(relay, 'GET', Routes.notifications, {
      token: uma.access,
    });
    expect(again.body).toEqual({ emailOnNewTransfer: false });
    for (const body of [{}, { emailOnNewTransfer: 'no' }, { emailOnNewTransfer: true, x: 1 }]) {
      const bad = await call(relay, 'PUT', Routes.notifications, { token: uma.access, body });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: { code: ErrorCode.Validation } });
    }
    expect((await call(relay, 'GET', Routes.notifications)).status).toBe(401);
  });

  it('sends one mail per recipient for a burst, naming senders and key prefixes only', async () => {
    const off = await call(relay, 'PUT', Routes.notifications, {
      token: uma.access,
      body: { emailOnNewTransfer: false },
    });
    expect(off.status).toBe(200);
    const a = await sendTransfer(relay, sam, [rita.email, uma.email], { size: 3000 });
    await sendTransfer(relay, sam, [rita.email]);
    await sendTransfer(relay, tom, [rita.email], { size: 2 * 1024 * 1024 });
    // Inside the batch window nothing has gone out yet.
    expect(notifications(rita.email)).toEqual([]);
    const samPrefix = await fingerprintPrefix(relay, rita, sam);
    const tomPrefix = await fingerprintPrefix(relay, rita, tom);

    await relay.close(); // closing sends what is pending
    const mails = notifications(rita.email);
    expect(mails).toHaveLength(1);
    const mail = mails[0];
    expect(mail.subject).toBe('DataCrypt: 3 new encrypted transfers for you');
    expect(mail.text).toContain(`from ${sam.email} (key fingerprint ${samPrefix} …)`);
    expect(mail.text).toContain(`from ${tom.email} (key fingerprint ${tomPrefix} …), 2.0 MiB`);
    expect(mail.text.match(/^- from /gm)).toHaveLength(3);
    // Neither the transfer id (a capability for recipients) nor anything about files.
    expect(mail.text).not.toContain(a.view.id);
    expect(mail.text).not.toMatch(/file ?name/i);
    // Uma turned notifications off; the senders were never recipients.
    expect(notifications(uma.email)).toEqual([]);
    expect(notifications(sam.email)).toEqual([]);
    expect(notifications(tom.email)).toEqual([]);
  });
});

describe('new-transfer mail, short window', () => {
  let relay: TestRelay;

  afterAll(async () => {
    await relay.close();
  });

  it('a burst inside the window is one mail; a later transfer starts a new batch', async () => {
    relay = await startRelay(
      { DATACRYPT_MAIL_BATCH_SECONDS: '2' },
      { mailer: new SmtpTeeMailer() },
    );
    const vic = await makeUser(relay, 'vic@example.com');
    const wes = await makeUser(relay, 'wes@example.com');
    await sendTransfer(relay, vic, [wes.email]);
    await sendTransfer(relay, vic, [wes.email]);
    const first = await waitFor(
      () => (notifications(wes.email).length > 0 ? notifications(wes.email) : undefined),
      10_000,
      'the batched mail',
    );
    expect(first).toHaveLength(1);
    expect(first[0]?.subject).toBe('DataCrypt: 2 new encrypted transfers for you');
    await sendTransfer(relay, vic, [wes.email]);
    const second = await waitFor(
      () => (notifications(wes.email).length > 1 ? notifications(wes.email) : undefined),
      10_000,
      'the second mail',
    );
    expect(second[1]?.subject).toBe('DataCrypt: a new encrypted transfer for you');
    expect(second[1]?.text).toContain(`from ${vic.email} (key fingerprint `);
  });
});
