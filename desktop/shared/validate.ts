/**
 * Runtime checks of values crossing the boundary against the contract schemas. Used by the hosts
 * (Electron main, web host) on every incoming argument and outgoing result. Interpretation only
 * (TypeBox `Value`), no code generation, so it also runs under a strict CSP.
 * @module
 */
import { Value } from '@sinclair/typebox/value';
import {
  Calls,
  Events,
  isChannel,
  type CallResult,
  type Channel,
  type EventName,
  type EventPayload,
} from './contract.js';
import { IpcErrorCodes, type IpcErrorBody } from './api.js';

/** A check that failed: the coded error to answer with. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: IpcErrorBody };

const MAX_REPORTED = 3;

function describe(schema: Parameters<typeof Value.Errors>[0], value: unknown): string {
  const problems: string[] = [];
  for (const e of Value.Errors(schema, value)) {
    problems.push(`${e.path === '' ? '(root)' : e.path}: ${e.message}`);
    if (problems.length >= MAX_REPORTED) break;
  }
  return problems.join('; ');
}

/**
 * Checks a call's channel and argument object. The message names the failing field paths, never
 * the values (they may be passwords).
 * @example
 * const c = checkCall(name, args); if (!c.ok) return { ok: false, error: c.error };
 */
export function checkCall(
  channel: unknown,
  args: unknown,
): Checked<{ channel: Channel; args: unknown }> {
  if (!isChannel(channel)) {
    return {
      ok: false,
      error: { code: IpcErrorCodes.unknownChannel, message: 'unknown call' },
    };
  }
  const schema = Calls[channel].args;
  if (!Value.Check(schema, args)) {
    return {
      ok: false,
      error: {
        code: IpcErrorCodes.argument,
        message: `invalid arguments for ${channel}: ${describe(schema, args)}`,
      },
    };
  }
  return { ok: true, value: { channel, args: args } };
}

/**
 * True when `value` is a valid result of `channel` (hosts check what they send back).
 * @example
 * if (!isValidResult('account:status', value)) log('handler broke the contract');
 */
export function isValidResult<C extends Channel>(
  channel: C,
  value: unknown,
): value is CallResult<C> {
  return Value.Check(Calls[channel].result, value);
}

/** Why a result does not match (field paths and messages, no values). */
export function resultProblems(channel: Channel, value: unknown): string {
  return describe(Calls[channel].result, value);
}

/**
 * True when `payload` is a valid payload of `event`.
 * @example
 * if (isValidEvent('inbox:unread', p)) emit('inbox:unread', p);
 */
export function isValidEvent<E extends EventName>(
  event: E,
  payload: unknown,
): payload is EventPayload<E> {
  return Value.Check(Events[event], payload);
}

/** Why an event payload does not match. */
export function eventProblems(event: EventName, payload: unknown): string {
  return describe(Events[event], payload);
}
