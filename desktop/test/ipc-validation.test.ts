// Runtime side of the IPC contract: argument checks (what both hosts run on every untrusted call),
// result and event checks, and the dispatcher's error mapping, with the real dispatcher and real
// core error classes.
import { DataCryptError } from '@datacrypt/shared-crypto';
import { describe, expect, it } from 'vitest';
import {
  CHANNELS,
  Calls,
  checkCall,
  isValidEvent,
  isValidResult,
  type Channel,
  type HandlerMap,
} from '../shared/index.js';
import { KeyChangedError } from '../src/core/contacts/errors.js';
import { CodedError } from '../src/core/errors.js';
import { createDispatcher } from '../src/host/dispatcher.js';
import { EventHub } from '../src/host/event-hub.js';

describe('checkCall', () => {
  it('accepts valid arguments', () => {
    expect(checkCall('account:status', {}).ok).toBe(true);
    expect(checkCall('contacts:add', { email: 'bob@example.com' }).ok).toBe(true);
    expect(
      checkCall('transfers:send', {
        paths: ['/home/a/report.pdf', '/home/a/photos'],
        recipients: ['bob@example.com'],
        expiryDays: 7,
        downloadLimit: 3,
      }).ok,
    ).toBe(true);
    expect(checkCall('account:loginSecondFactor', { recoveryCode: 'abcde-12345' }).ok).toBe(true);
    expect(checkCall('keys:restore', { source: { text: 'x' }, passphrase: 'p' }).ok).toBe(true);
    expect(checkCall('settings:set', { notifications: { receipts: false } }).ok).toBe(true);
  });

  it('refuses unknown channels, including inherited property names', () => {
    for (const name of ['nope', '__proto__', 'constructor', 'toString', 42, null, undefined]) {
      const c = checkCall(name, {});
      expect(c.ok).toBe(false);
      if (!c.ok) expect(c.error.code).toBe('E_IPC_CHANNEL');
    }
  });

  it.each<[Channel, unknown]>([
    ['account:status', undefined],
    ['account:status', null],
    ['account:status', { extra: 1 }],
    ['contacts:add', {}],
    ['contacts:add', { email: 'not an email' }],
    ['contacts:add', { email: ['bob@example.com'] }],
    ['account:verifyEmail', { code: '12345' }],
    ['account:verifyEmail', { code: 123456 }],
    ['account:loginSecondFactor', { code: '123456', recoveryCode: 'abcde-12345' }],
    ['transfers:send', { paths: [], recipients: ['bob@example.com'] }],
    ['transfers:send', { paths: ['/a'], recipients: ['b@example.com', 'b@example.com'] }],
    ['transfers:send', { paths: ['/a'], recipients: ['b@example.com'], expiryDays: 0 }],
    ['transfers:send', { paths: ['/a'], recipients: ['b@example.com'], downloadLimit: 1.5 }],
    ['transfers:send', { paths: ['x'.repeat(5000)], recipients: ['b@example.com'] }],
    ['transfers:pause', { id: '../../etc' }],
    ['account:setRelay', { url: 'file:///etc/passwd' }],
    ['keys:restore', { source: { text: 'x', path: '/y' }, passphrase: 'p' }],
    ['dialog:openFiles', { filters: [{ name: 'x', extensions: ['a b'] }] }],
  ])('refuses bad arguments for %s: %j', (channel, args) => {
    const c = checkCall(channel, args);
    expect(c.ok).toBe(false);
    if (!c.ok) {
      expect(c.error.code).toBe('E_IPC_ARGUMENT');
      expect(c.error.message).toContain(channel);
    }
  });

  it('never echoes argument values (they may be passwords)', () => {
    const c = checkCall('account:login', { email: 'a@b.c', password: 7, secret: 'hunter2-pass' });
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.error.message).not.toContain('hunter2');
  });

  it('has an argument and a result schema for every channel', () => {
    for (const channel of CHANNELS) {
      expect(Calls[channel].args).toBeDefined();
      expect(Calls[channel].result).toBeDefined();
    }
  });
});

describe('results and events', () => {
  it('checks results and event payloads against the contract', () => {
    expect(isValidResult('transfers:revoke', { revoked: true })).toBe(true);
    expect(isValidResult('transfers:revoke', { revoked: false })).toBe(false);
    expect(isValidEvent('inbox:unread', { count: 3 })).toBe(true);
    expect(isValidEvent('inbox:unread', { count: -1 })).toBe(false);
    expect(isValidEvent('connection:state', { state: 'online', code: null })).toBe(true);
    expect(isValidEvent('connection:state', { state: 'bad', code: null })).toBe(false);
  });

  it('drops event payloads that break the contract and delivers valid ones', () => {
    const errors: string[] = [];
    const hub = new EventHub({ error: (m) => errors.push(m) });
    const seen: unknown[] = [];
    const off = hub.subscribe((event, payload) => seen.push([event, payload]));
    hub.emit('inbox:unread', { count: 2 });
    hub.emit('inbox:unread', { count: 'two' } as never);
    off();
    hub.emit('inbox:unread', { count: 4 });
    expect(seen).toEqual([['inbox:unread', { count: 2 }]]);
    expect(errors).toHaveLength(1);
  });
});

describe('dispatcher', () => {
  /** A full handler map where every channel throws `error` except the ones overridden. */
  function handlersWith(overrides: Partial<HandlerMap>, error: unknown): HandlerMap {
    const map: Record<string, () => Promise<never>> = {};
    // Non-Error throws are part of what the dispatcher must survive.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    for (const channel of CHANNELS) map[channel] = () => Promise.reject(error);
    return { ...(map as unknown as HandlerMap), ...overrides };
  }

  it('maps coded errors to their code and hides unexpected ones', async () => {
    const logged: string[] = [];
    const log = { error: (m: string) => logged.push(m) };
    const cases: [unknown, string, string | null][] = [
      [
        new CodedError('E_NETWORK', 'cannot reach the relay'),
        'E_NETWORK',
        'cannot reach the relay',
      ],
      [new DataCryptError('E_SIGNATURE', 'bad signature'), 'E_SIGNATURE', 'bad signature'],
      [new Error('/home/alice/secret path exploded'), 'E_INTERNAL', null],
      ['a string', 'E_INTERNAL', null],
    ];
    for (const [error, code, message] of cases) {
      const dispatch = createDispatcher(handlersWith({}, error), log);
      const answer = await dispatch('contacts:list', {}, undefined);
      expect(answer.ok).toBe(false);
      if (answer.ok) continue;
      expect(answer.error.code).toBe(code);
      if (message !== null) expect(answer.error.message).toBe(message);
      else expect(answer.error.message).not.toContain('secret');
    }
    expect(logged).toHaveLength(2);
  });

  it('passes key-change details to the UI', async () => {
    const dispatch = createDispatcher(
      handlersWith({}, new KeyChangedError('bob@example.com', 'aaaa', 'bbbb')),
      { error: () => undefined },
    );
    const answer = await dispatch(
      'transfers:send',
      { paths: ['/a'], recipients: ['bob@example.com'] },
      undefined,
    );
    expect(answer).toEqual({
      ok: false,
      error: {
        code: 'E_KEY_CHANGED',
        message: expect.stringContaining('bob@example.com') as unknown,
        details: { email: 'bob@example.com', oldFingerprint: 'aaaa', newFingerprint: 'bbbb' },
      },
    });
  });

  it('refuses a handler result outside the contract', async () => {
    const logged: string[] = [];
    const dispatch = createDispatcher(
      handlersWith(
        {
          'contacts:list': () =>
            Promise.resolve({ contacts: [], password: 'leak' } as unknown as { contacts: [] }),
          'transfers:revoke': () => Promise.resolve({ revoked: true }),
        },
        new Error('unused'),
      ),
      { error: (m) => logged.push(m) },
    );
    expect(await dispatch('contacts:list', {}, undefined)).toMatchObject({
      ok: false,
      error: { code: 'E_INTERNAL' },
    });
    expect(logged.join('\n')).toContain('contacts:list');
    expect(
      await dispatch('transfers:revoke', { transferId: 'abcdefgh12345678' }, undefined),
    ).toEqual({ ok: true, value: { revoked: true } });
  });

  it('never calls a handler with invalid arguments', async () => {
    let called = false;
    const dispatch = createDispatcher(
      handlersWith(
        {
          'contacts:add': () => {
            called = true;
            return Promise.reject(new Error('should not run'));
          },
        },
        new Error('unused'),
      ),
      { error: () => undefined },
    );
    const answer = await dispatch('contacts:add', { email: 'x' }, undefined);
    expect(answer).toMatchObject({ ok: false, error: { code: 'E_IPC_ARGUMENT' } });
    expect(called).toBe(false);
  });
});
