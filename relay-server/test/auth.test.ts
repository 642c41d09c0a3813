import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse, MeResponse, TokenPair } from '../src/contract/index.js';
import { call, makeUser, PASSWORD, startRelay, type TestRelay } from './helpers/relay.js';

/** The TOTP code `steps` 30-second steps from now (the relay accepts one step either side). */
function codeAt(secret: string, steps: number): string {
  return authenticator.clone({ epoch: Date.now() + steps * 30_000 }).generate(secret);
}

let relay: TestRelay;
beforeAll(async () => {
  relay = await startRelay({ DATACRYPT_ADMIN_EMAILS: 'boss@example.com' });
});
afterAll(async () => {
  await relay.close();
});

describe('registration and verification', () => {
  it('registers, mails a 6-digit code, verifies and logs in', async () => {
    const reg = await call(relay, 'POST', '/api/auth/register', {
      body: { email: 'Alice@Example.com', password: PASSWORD },
    });
    expect(reg.status).toBe(202);
    expect(reg.body).toEqual({ status: 'accepted' });
    const code = relay.mailer.lastCode('alice@example.com');
    expect(code).toMatch(/^\d{6}$/);

    const early = await call(relay, 'POST', '/api/auth/login', {
      body: { email: 'alice@example.com', password: PASSWORD },
    });
    expect(early.status).toBe(403);
    expect(early.body).toMatchObject({ error: { code: 'E_EMAIL_NOT_VERIFIED' } });

    const ver = await call(relay, 'POST', '/api/auth/verify-otp', {
      body: { email: 'alice@example.com', code },
    });
    expect(ver.status).toBe(200);
    const again = await call(relay, 'POST', '/api/auth/verify-otp', {
      body: { email: 'alice@example.com', code },
    });
    expect(again.status).toBe(400);

    const login = await call<TokenPair>(relay, 'POST', '/api/auth/login', {
      body: { email: 'ALICE@example.com', password: PASSWORD },
    });
    expect(login.status).toBe(200);
    expect(login.body.status).toBe('ok');
    const me = await call<MeResponse>(relay, 'GET', '/api/auth/me', {
      token: login.body.accessToken,
    });
    expect(me.body).toMatchObject({ email: 'alice@example.com', role: 'user', totpEnabled: false });
  });

  it('stores the code hashed, never in clear', async () => {
    await call(relay, 'POST', '/api/auth/register', {
      body: { email: 'hashcheck@example.com', password: PASSWORD },
    });
    const code = relay.mailer.lastCode('hashcheck@example.com');
    const account = await relay.app.container.accounts.byEmail('hashcheck@example.com');
    expect(account?.verifyCodeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(account?.verifyCodeHash).not.toContain(code);
    expect(account?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('answers a taken address exactly like a new one and mails the owner instead', async () => {
    await makeUser(relay, 'taken@example.com', { publishKey: false });
    const before = relay.mailer.to('taken@example.com').length;
    const taken = await call(relay, 'POST', '/api/auth/register', {
      body: { email: 'taken@example.com', password: 'another password 123' },
    });
    const fresh = await call(relay, 'POST', '/api/auth/register', {
      body: { email: 'fresh@example.com', password: 'another password 123' },
    });
    expect(taken.status).toBe(fresh.status);
    expect(taken.body).toEqual(fresh.body);
    const mails = relay.mailer.to('taken@example.com');
    expect(mails.length).toBe(before + 1);
    expect(mails.at(-1)?.subject).toMatch(/tried to register/);
    // The owner's password is unchanged.
    const login = await call(relay, 'POST', '/api/auth/login', {
      body: { email: 'taken@example.com', password: PASSWORD },
    });
    expect(login.status).toBe(200);
  });

  it('send-otp resends for unverified accounts and answers the same for unknown ones', async () => {
    await call(relay, 'POST', '/api/auth/register', {
      body: { email: 'resend@example.com', password: PASSWORD },
    });
    const first = relay.mailer.lastCode('resend@example.com');
    const known = await call(relay, 'POST', '/api/auth/send-otp', {
      body: { email: 'resend@example.com' },
    });
    const unknown = await call(relay, 'POST', '/api/auth/send-otp', {
      body: { email: 'nobody-here@example.com' },
    });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(known.body).toEqual(unknown.body);
    expect(relay.mailer.to('nobody-here@example.com')).toHaveLength(0);
    const second = relay.mailer.lastCode('resend@example.com');
    expect(relay.mailer.to('resend@example.com')).toHaveLength(2);
    if (first !== second) {
      const stale = await call(relay, 'POST', '/api/auth/verify-otp', {
        body: { email: 'resend@example.com', code: first },
      });
      expect(stale.status).toBe(400);
    }
    const ok = await call(relay, 'POST', '/api/auth/verify-otp', {
      body: { email: 'resend@example.com', code: second },
    });
    expect(ok.status).toBe(200);
  });

  it('burns the code after 5 wrong guesses', async () => {
    await call(relay, 'POST', '/api/auth/register', {
      body: { email: 'guess@example.com', password: PASSWORD },
    });
    const code = relay.mailer.lastCode('guess@example.com');
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const r = await call(relay, 'POST', '/api/auth/verify-otp', {
        body: { email: 'guess@example.com', code: wrong },
      });
      expect(r.body).toMatchObject({ error: { code: 'E_CODE_INVALID' } });
    }
    const right = await call(relay, 'POST', '/api/auth/verify-otp', {
      body: { email: 'guess@example.com', code },
    });
    expect(right.status).toBe(400);
  });

  it('rejects an expired code', async () => {
    await call(relay, 'POST', '/api/auth/register', {
      body: { email: 'late@example.com', password: PASSWORD },
    });
    const code = relay.mailer.lastCode('late@example.com');
    relay.clock.offsetMs = 16 * 60 * 1000;
    try {
      const r = await call(relay, 'POST', '/api/auth/verify-otp', {
        body: { email: 'late@example.com', code },
      });
      expect(r.status).toBe(400);
    } finally {
      relay.clock.offsetMs = 0;
    }
  });

  it('gives the configured admin email the admin role', async () => {
    const boss = await makeUser(relay, 'boss@example.com', { publishKey: false });
    const me = await call<MeResponse>(relay, 'GET', '/api/auth/me', { token: boss.access });
    expect(me.body.role).toBe('admin');
  });
});

describe('login', () => {
  it('gives the same error for a wrong password and an unknown account', async () => {
    await makeUser(relay, 'bob@example.com', { publishKey: false });
    const wrong = await call(relay, 'POST', '/api/auth/login', {
      body: { email: 'bob@example.com', password: 'not the password' },
    });
    const unknown = await call(relay, 'POST', '/api/auth/login', {
      body: { email: 'ghost@example.com', password: 'not the password' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
  });
});

describe('refresh tokens', () => {
  it('rotates, and reuse of a spent token revokes the whole family', async () => {
    const u = await makeUser(relay, 'carol@example.com', { publishKey: false });
    const r1 = await call<TokenPair>(relay, 'POST', '/api/auth/refresh', {
      body: { refreshToken: u.tokens.refreshToken },
    });
    expect(r1.status).toBe(200);
    expect(r1.body.refreshToken).not.toBe(u.tokens.refreshToken);
    const r2 = await call<TokenPair>(relay, 'POST', '/api/auth/refresh', {
      body: { refreshToken: r1.body.refreshToken },
    });
    expect(r2.status).toBe(200);

    const reuse = await call(relay, 'POST', '/api/auth/refresh', {
      body: { refreshToken: u.tokens.refreshToken },
    });
    expect(reuse.status).toBe(401);
    expect(reuse.body).toMatchObject({ error: { code: 'E_REFRESH_REUSED' } });
    // The newest token of the family and its access token are dead too.
    const latest = await call(relay, 'POST', '/api/auth/refresh', {
      body: { refreshToken: r2.body.refreshToken },
    });
    expect(latest.status).toBe(401);
    const me = await call(relay, 'GET', '/api/auth/me', { token: r2.body.accessToken });
    expect(me.status).toBe(401);
  });

  it('rejects unknown and expired refresh tokens', async () => {
    const unknown = await call(relay, 'POST', '/api/auth/refresh', {
      body: { refreshToken: 'x'.repeat(43) },
    });
    expect(unknown.body).toMatchObject({ error: { code: 'E_REFRESH_INVALID' } });
    const u = await makeUser(relay, 'expiring@example.com', { publishKey: false });
    relay.clock.offsetMs = 31 * 86400 * 1000;
    try {
      const r = await call(relay, 'POST', '/api/auth/refresh', {
        body: { refreshToken: u.tokens.refreshToken },
      });
      expect(r.body).toMatchObject({ error: { code: 'E_REFRESH_INVALID' } });
    } finally {
      relay.clock.offsetMs = 0;
    }
  });

  it('logout ends the session at once', async () => {
    const u = await makeUser(relay, 'dave@example.com', { publishKey: false });
    const out = await call(relay, 'POST', '/api/auth/logout', { token: u.access });
    expect(out.status).toBe(204);
    expect((await call(relay, 'GET', '/api/auth/me', { token: u.access })).status).toBe(401);
    const r = await call(relay, 'POST', '/api/auth/refresh', {
      body: { refreshToken: u.tokens.refreshToken },
    });
    expect(r.status).toBe(401);
  });
});

describe('password change', () => {
  it('needs the current password, revokes old sessions and accepts the new password', async () => {
    const u = await makeUser(relay, 'erin@example.com', { publishKey: false });
    const bad = await call(relay, 'POST', '/api/auth/password', {
      token: u.access,
      body: { currentPassword: 'wrong wrong wrong', newPassword: 'a brand new password' },
    });
    expect(bad.status).toBe(401);
    const ok = await call<TokenPair>(relay, 'POST', '/api/auth/password', {
      token: u.access,
      body: { currentPassword: PASSWORD, newPassword: 'a brand new password' },
    });
    expect(ok.status).toBe(200);
    expect((await call(relay, 'GET', '/api/auth/me', { token: u.access })).status).toBe(401);
    expect((await call(relay, 'GET', '/api/auth/me', { token: ok.body.accessToken })).status).toBe(
      200,
    );
    const oldLogin = await call(relay, 'POST', '/api/auth/login', {
      body: { email: u.email, password: PASSWORD },
    });
    expect(oldLogin.status).toBe(401);
    const newLogin = await call(relay, 'POST', '/api/auth/login', {
      body: { email: u.email, password: 'a brand new password' },
    });
    expect(newLogin.status).toBe(200);
  });
});

describe('TOTP second factor', () => {
  it('enrols, requires a code at login, accepts a recovery code once, and disables', async () => {
    const u = await makeUser(relay, 'frank@example.com', { publishKey: false });
    const setup = await call<{ secret: string; otpauthUrl: string }>(
      relay,
      'POST',
      '/api/auth/2fa/setup',
      { token: u.access },
    );
    expect(setup.status).toBe(200);
    expect(setup.body.otpauthUrl).toContain('otpauth://totp/');
    const wrongEnable = await call(relay, 'POST', '/api/auth/2fa/enable', {
      token: u.access,
      body: { code: authenticator.generate(setup.body.secret) === '000000' ? '111111' : '000000' },
    });
    expect(wrongEnable.status).toBe(401);
    const enable = await call<{ recoveryCodes: string[] }>(relay, 'POST', '/api/auth/2fa/enable', {
      token: u.access,
      body: { code: codeAt(setup.body.secret, -1) },
    });
    expect(enable.status).toBe(200);
    expect(enable.body.recoveryCodes).toHaveLength(10);

    const login = await call<LoginResponse>(relay, 'POST', '/api/auth/login', {
      body: { email: u.email, password: PASSWORD },
    });
    expect(login.body.status).toBe('totp_required');
    if (login.body.status !== 'totp_required') return;
    const challenge = login.body.challenge;
    // The challenge is not an access token.
    expect((await call(relay, 'GET', '/api/auth/me', { token: challenge })).status).toBe(401);

    const loginCode = codeAt(setup.body.secret, 0);
    const withCode = await call<TokenPair>(relay, 'POST', '/api/auth/login/totp', {
      body: { challenge, code: loginCode },
    });
    expect(withCode.status).toBe(200);
    const replayed = await call(relay, 'POST', '/api/auth/login/totp', {
      body: { challenge, code: loginCode },
    });
    expect(replayed.status).toBe(401);
    const recovery = enable.body.recoveryCodes[0] ?? '';
    const withRecovery = await call(relay, 'POST', '/api/auth/login/totp', {
      body: { challenge, recoveryCode: recovery },
    });
    expect(withRecovery.status).toBe(200);
    const reused = await call(relay, 'POST', '/api/auth/login/totp', {
      body: { challenge, recoveryCode: recovery },
    });
    expect(reused.status).toBe(401);

    const disable = await call(relay, 'POST', '/api/auth/2fa/disable', {
      token: withCode.body.accessToken,
      body: { password: PASSWORD, code: codeAt(setup.body.secret, 1) },
    });
    expect(disable.status).toBe(204);
    const plain = await call<LoginResponse>(relay, 'POST', '/api/auth/login', {
      body: { email: u.email, password: PASSWORD },
    });
    expect(plain.body.status).toBe('ok');
  });

  it('locks TOTP after 5 wrong codes with 429 and Retry-After', async () => {
    const u = await makeUser(relay, 'grace@example.com', { publishKey: false });
    const setup = await call<{ secret: string }>(relay, 'POST', '/api/auth/2fa/setup', {
      token: u.access,
    });
    await call(relay, 'POST', '/api/auth/2fa/enable', {
      token: u.access,
      body: { code: authenticator.generate(setup.body.secret) },
    });
    const login = await call<{ challenge: string }>(relay, 'POST', '/api/auth/login', {
      body: { email: u.email, password: PASSWORD },
    });
    const good = authenticator.generate(setup.body.secret);
    const bad = good === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const r = await call(relay, 'POST', '/api/auth/login/totp', {
        body: { challenge: login.body.challenge, code: bad },
      });
      expect(r.status).toBe(401);
    }
    const locked = await call(relay, 'POST', '/api/auth/login/totp', {
      body: { challenge: login.body.challenge, code: good },
    });
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ error: { code: 'E_TOO_MANY_ATTEMPTS' } });
    expect(locked.headers.get('retry-after')).toBe('900');
  });
});

describe('invitations', () => {
  it('mails addresses without an account, not members, and answers the same either way', async () => {
    const inviter = await makeUser(relay, 'inviter@example.com', { publishKey: false });
    await makeUser(relay, 'member@example.com', { publishKey: false });
    const before = relay.mailer.to('member@example.com').length;
    const toNew = await call(relay, 'POST', '/api/invite/send', {
      token: inviter.access,
      body: { email: 'Newcomer@Example.com' },
    });
    const toMember = await call(relay, 'POST', '/api/invite/send', {
      token: inviter.access,
      body: { email: 'member@example.com' },
    });
    expect(toNew.status).toBe(202);
    expect(toMember.status).toBe(202);
    expect(toNew.body).toEqual(toMember.body);
    expect(relay.mailer.to('newcomer@example.com')).toEqual([
      expect.objectContaining({ subject: 'inviter@example.com invites you to DataCrypt' }),
    ]);
    expect(relay.mailer.to('member@example.com')).toHaveLength(before);
  });

  it('rate-limits invitations per user', async () => {
    const spammer = await makeUser(relay, 'spammer@example.com', { publishKey: false });
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const r = await call(relay, 'POST', '/api/invite/send', {
        token: spammer.access,
        body: { email: `target${i}@example.com` },
      });
      statuses.push(r.status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 202)).toBe(true);
    expect(statuses[20]).toBe(429);
    expect(relay.mailer.to('target20@example.com')).toHaveLength(0);
  });
});
