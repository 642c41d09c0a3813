import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { generateIdentity, signKeyPublication } from '@datacrypt/shared-crypto';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { TokenPair } from '../src/contract/index.js';
import { redactUrl } from '../src/log.js';
import { call } from './helpers/relay.js';
import { outboxCode } from './helpers/relay-process.js';
import { sendTransfer } from './helpers/upload.js';

/** Every line the relay logs, as text. */
class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

describe('logs never contain secrets', () => {
  let dir: string;
  let app: App;
  let url: string;
  const log = new Capture();
  const secrets: string[] = [];
  const remember = (label: string, value: string | undefined): string => {
    if (value === undefined || value.length < 6) throw new Error(`no ${label} to remember`);
    secrets.push(value);
    return value;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relay-logs-'));
    const metricsToken = remember('metrics token', randomBytes(20).toString('hex'));
    const config = loadConfig({
      DATACRYPT_DATA_DIR: dir,
      // The most verbose level: whatever any code path logs is in the capture.
      DATACRYPT_LOG_LEVEL: 'trace',
      DATACRYPT_MIN_PART_SIZE: '1024',
      DATACRYPT_METRICS_TOKEN: metricsToken,
    });
    // The real outbox mailer (no test double), so its log lines are part of the capture.
    app = await build(config, { logStream: log });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    url = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('redacts passwords, codes, tokens, TOTP secrets and query tokens', async () => {
    const relay = { url };
    const password = remember('password', `pw-${randomBytes(12).toString('hex')}`);
    const users = new Map<string, TokenPair>();
    for (const email of ['alice@example.com', 'bob@example.com']) {
      expect(
        (await call(relay, 'POST', '/api/auth/register', { body: { email, password } })).status,
      ).toBe(202);
      const code = remember('code', await outboxCode(dir, email));
      expect(
        (await call(relay, 'POST', '/api/auth/verify-otp', { body: { email, code } })).status,
      ).toBe(200);
      const login = await call<TokenPair>(relay, 'POST', '/api/auth/login', {
        body: { email, password },
      });
      expect(login.status).toBe(200);
      remember('access token', login.body.accessToken);
      remember('refresh token', login.body.refreshToken);
      const pub = signKeyPublication(generateIdentity(), email, Date.now());
      await call(relay, 'PUT', '/api/users/public-key', {
        token: login.body.accessToken,
        body: pub,
      });
      users.set(email, login.body);
    }
    const alice = users.get('alice@example.com');
    const bob = users.get('bob@example.com');
    if (alice === undefined || bob === undefined) throw new Error('users missing');

    // Refresh rotates: both the spent and the new refresh token are secrets.
    const refreshed = await call<TokenPair>(relay, 'POST', '/api/auth/refresh', {
      body: { refreshToken: alice.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    remember('refreshed access token', refreshed.body.accessToken);
    remember('rotated refresh token', refreshed.body.refreshToken);

    // TOTP: the secret, codes and recovery codes.
    const setup = await call<{ secret: string; otpauthUrl: string }>(
      relay,
      'POST',
      '/api/auth/2fa/setup',
      { token: bob.accessToken },
    );
    expect(setup.status).toBe(200);
    remember('totp secret', setup.body.secret);
    const enableCode = remember('totp code', authenticator.generate(setup.body.secret));
    const enabled = await call<{ recoveryCodes: string[] }>(relay, 'POST', '/api/auth/2fa/enable', {
      token: bob.accessToken,
      body: { code: enableCode },
    });
    expect(enabled.status).toBe(200);
    for (const rc of enabled.body.recoveryCodes) remember('recovery code', rc);
    const step = await call<{ challenge: string }>(relay, 'POST', '/api/auth/login', {
      body: { email: 'bob@example.com', password },
    });
    remember('totp challenge', step.body.challenge);
    const viaRecovery = await call<TokenPair>(relay, 'POST', '/api/auth/login/totp', {
      body: { challenge: step.body.challenge, recoveryCode: enabled.body.recoveryCodes[0] },
    });
    expect(viaRecovery.status).toBe(200);
    remember('2fa access token', viaRecovery.body.accessToken);
    remember('2fa refresh token', viaRecovery.body.refreshToken);

    // A transfer and its download, with a token in the query string as some clients do.
    const queryToken = remember('query token', `qt-${randomBytes(16).toString('hex')}`);
    const sender = {
      email: 'alice@example.com',
      password,
      tokens: refreshed.body,
      access: refreshed.body.accessToken,
      identity: generateIdentity(),
    };
    const { view } = await sendTransfer(relay, sender, ['bob@example.com']);
    const download = await fetch(
      `${url}/api/transfers/file/${view.id}?token=${queryToken}&access_token=${queryToken}&limit=5`,
      { headers: { authorization: `Bearer ${viaRecovery.body.accessToken}` } },
    );
    expect(download.status).toBe(200);
    await download.arrayBuffer();

    // Failures that echo input: wrong password, malformed JSON carrying a secret, a bad token.
    const typo = remember('mistyped password', `${password}-typo`);
    await call(relay, 'POST', '/api/auth/login', {
      body: { email: 'alice@example.com', password: typo },
    });
    const inJson = remember('secret in broken JSON', `sj-${randomBytes(10).toString('hex')}`);
    const broken = await call(relay, 'POST', '/api/auth/login', {
      body: `{"email":"alice@example.com","password":"${inJson}"`,
    });
    expect(broken.status).toBe(400);
    const forged = remember('forged bearer', `${refreshed.body.accessToken.slice(0, -4)}AAAA`);
    expect((await call(relay, 'GET', '/api/transfers/inbox', { token: forged })).status).toBe(401);

    // Password change and logout carry the old and new password and a refresh token.
    const newPassword = remember('new password', `np-${randomBytes(12).toString('hex')}`);
    expect(
      (
        await call(relay, 'POST', '/api/auth/password', {
          token: refreshed.body.accessToken,
          body: { currentPassword: password, newPassword },
        })
      ).status,
    ).toBeLessThan(300);
    // Reusing a spent refresh token is logged as a warning: still no token in it.
    await call(relay, 'POST', '/api/auth/refresh', { body: { refreshToken: alice.refreshToken } });
    await call(relay, 'POST', '/api/auth/logout', {
      token: viaRecovery.body.accessToken,
      body: { refreshToken: viaRecovery.body.refreshToken },
    });
    const metricsToken = secrets[0] ?? '';
    await call(relay, 'GET', '/metrics', { headers: { authorization: `Bearer ${metricsToken}` } });

    // The capture is real: requests, mails and the refresh-reuse warning are all in it...
    const text = log.text;
    expect(text).toContain('incoming request');
    expect(text).toContain('mail written to outbox');
    expect(text).toContain('refresh token reuse');
    expect(text).toContain(`/api/transfers/file/${view.id}?token=[redacted]`);
    expect(text).toContain('&limit=5');
    // ...and no secret appears in it, whole or in its base64/URL-encoded form.
    for (const secret of secrets) {
      expect(text, 'a secret leaked into the log').not.toContain(secret);
      expect(text).not.toContain(encodeURIComponent(secret));
    }
  });

  it('redacts secrets handed to the logger directly (bodies, headers)', () => {
    const secret = `direct-${randomBytes(8).toString('hex')}`;
    app.log.info(
      {
        body: { password: secret, code: secret, refreshToken: secret, token: secret },
        req: { headers: { authorization: `Bearer ${secret}`, cookie: secret } },
      },
      'direct',
    );
    const line = log.text.split('\n').find((l) => l.includes('"msg":"direct"')) ?? '';
    expect(line).toContain('[redacted]');
    expect(line).not.toContain(secret);
  });

  it('keeps harmless query parameters and replaces all others', () => {
    expect(redactUrl('/a?limit=5&offset=10&status=ready')).toBe(
      '/a?limit=5&offset=10&status=ready',
    );
    expect(redactUrl('/socket.io/?EIO=4&transport=websocket&token=abc')).toBe(
      '/socket.io/?EIO=4&transport=websocket&token=[redacted]',
    );
    expect(redactUrl('/x?code=123456&flag')).toBe('/x?code=[redacted]&flag');
    expect(redactUrl('/plain')).toBe('/plain');
  });
});
