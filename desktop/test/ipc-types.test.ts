// Type-level checks of the IPC contract: this file is compiled by `tsc -b` (desktop/test project),
// so every `@ts-expect-error` below must stay an error — a handler map with a missing or an extra
// channel, a call with the wrong argument, a result used as the wrong type. Vitest then checks the
// runtime side: the real host handler map has exactly the contract's channels.
import { describe, expect, it } from 'vitest';
import {
  CHANNELS,
  EVENT_NAMES,
  createClient,
  type CallArgs,
  type CallResult,
  type DataCryptApi,
  type HandlerMap,
} from '../shared/index.js';
import { handlerChannels } from '../src/host/handlers.js';

/** Keeps values "used" for the compiler (this function's body is what tsc checks). */
function use(...values: unknown[]): number {
  return values.length;
}

/** Never called: its body is what tsc checks. */
function typeChecks(full: HandlerMap, api: DataCryptApi): void {
  const { 'app:info': dropped, ...withoutOne } = full;
  // @ts-expect-error a handler map without 'app:info' is not a HandlerMap
  const missing: HandlerMap = withoutOne;

  const extra: HandlerMap = {
    ...full,
    // @ts-expect-error a channel that is not in the contract is refused
    'app:bogus': () => Promise.resolve({}),
  };

  const wrongResult: HandlerMap = {
    ...full,
    // @ts-expect-error a handler must resolve to its channel's result type
    'contacts:list': () => Promise.resolve({ contacts: 'none' }),
  };

  // Calls without fields may omit the argument; calls with fields may not.
  void api.invoke('account:status');
  // @ts-expect-error 'contacts:add' needs { email }
  void api.invoke('contacts:add');
  // @ts-expect-error wrong field
  void api.invoke('contacts:add', { mail: 'a@b.c' });
  // @ts-expect-error unknown channel
  void api.invoke('contacts:delete', { email: 'a@b.c' });
  // @ts-expect-error unknown event
  api.on('transfer:exploded', () => undefined);

  const client = createClient(api);
  void client.call('contacts:add', { email: 'bob@example.com' }).then((contact) => {
    const status: 'verified' | 'unverified' | 'key-changed' = contact.status;
    // @ts-expect-error a ContactView has no password
    use(contact.password);
    return status;
  });
  api.on('transfer:progress', (p) => {
    const bytes: number = p.bytes;
    // @ts-expect-error progress bytes are a number
    const wrong: string = p.bytes;
    use(bytes, wrong);
  });

  const args: CallArgs<'transfers:send'> = { paths: ['/a'], recipients: ['b@example.com'] };
  // @ts-expect-error recipients are required
  const badArgs: CallArgs<'transfers:send'> = { paths: ['/a'] };
  const result: CallResult<'transfers:revoke'> = { revoked: true };
  use(dropped, missing, extra, wrongResult, args, badArgs, result);
}

describe('IPC contract (types)', () => {
  it('the host implements exactly the contract channels, and channel/event names are unique', () => {
    expect(typeof typeChecks).toBe('function');
    expect([...handlerChannels()].sort()).toEqual([...CHANNELS].sort());
    expect(new Set(CHANNELS).size).toBe(CHANNELS.length);
    expect(new Set(EVENT_NAMES).size).toBe(EVENT_NAMES.length);
    for (const name of [...CHANNELS, ...EVENT_NAMES]) expect(name).toMatch(/^[a-z]+:[A-Za-z]+$/);
  });
});
