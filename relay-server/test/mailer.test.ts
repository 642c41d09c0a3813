import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { expect, it, vi } from 'vitest';
import { OutboxMailer } from '../src/adapters/mail/outbox.js';
import { SmtpMailer } from '../src/adapters/mail/smtp.js';
import type { Log } from '../src/log.js';
import { mailerContract, type DeliveredMail } from './contracts/mailer.js';

const FROM = 'DataCrypt <relay@datacrypt.test>';

function quietLog(): Log & { lines: unknown[] } {
  const lines: unknown[] = [];
  const record = (...args: unknown[]) => {
    lines.push(args);
  };
  const log: Log = { info: record, warn: record, error: record };
  return Object.assign(log, { lines });
}

function addressText(a: AddressObject | AddressObject[] | undefined): string {
  if (a === undefined) return '';
  return (Array.isArray(a) ? a : [a])
    .map((x) => x.value.map((v) => v.address ?? '').join(','))
    .join(',');
}

async function parse(raw: Buffer | string): Promise<DeliveredMail> {
  const m = await simpleParser(raw);
  return {
    to: addressText(m.to),
    from: m.from?.text ?? '',
    subject: m.subject ?? '',
    text: m.text ?? '',
  };
}

mailerContract('outbox', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'outbox-'));
  const mailer = new OutboxMailer(dir, FROM, quietLog());
  return {
    mailer,
    delivered: async () => {
      const files = (await readdir(dir)).filter((f) => f.endsWith('.eml'));
      return Promise.all(files.map(async (f) => parse(await readFile(join(dir, f)))));
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

mailerContract('smtp (real smtp-server)', async () => {
  const received: Buffer[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, done) {
      if (auth.username === 'user' && auth.password === 's3cret') done(null, { user: 'user' });
      else done(new Error('bad credentials'));
    },
    onData(stream, _session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push(Buffer.concat(chunks));
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const mailer = new SmtpMailer(`smtp://user:s3cret@127.0.0.1:${port}`, FROM, quietLog());
  expect(mailer.describe()).not.toContain('s3cret');
  return {
    mailer,
    delivered: () => Promise.all(received.map(parse)),
    cleanup: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
});

it('outbox writes one .eml per mail, atomically, and logs a line per mail', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'outbox-'));
  const log = quietLog();
  const info = vi.spyOn(log, 'info');
  const mailer = new OutboxMailer(dir, FROM, log);
  try {
    await mailer.send({ to: 'x@example.com', subject: 's', text: 't' });
    const files = await readdir(dir);
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.tmp'))).toHaveLength(0);
    expect(info).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(info.mock.calls[0])).toContain(join(dir, files[0] ?? ''));
  } finally {
    await mailer.close();
    await rm(dir, { recursive: true, force: true });
  }
});
