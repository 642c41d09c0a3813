/**
 * The one entry point both transports (Electron IPC, the web host's WebSocket) call with untrusted
 * input: checks the channel and the argument object against the contract, runs the handler, checks
 * the result against the contract too, and answers with the `{ ok, value | error }` envelope.
 * @module
 */
import {
  checkCall,
  IpcErrorCodes,
  isValidResult,
  resultProblems,
  type Channel,
  type HandlerMap,
  type IpcErrorBody,
  type IpcResult,
} from '#shared';
import { isExpectedError, toIpcError } from './errors.js';

/** Where the host reports its own failures (never the arguments: they may hold passwords). */
export interface HostLog {
  error(message: string, error?: unknown): void;
}

/** The answer envelope for any channel. */
export type AnyIpcResult = IpcResult<Channel>;

/**
 * A function that answers one untrusted call.
 * @example
 * const answer = await dispatch(msg.channel, msg.args, ctx);
 */
export type Dispatch<Ctx> = (channel: unknown, args: unknown, ctx: Ctx) => Promise<AnyIpcResult>;

/**
 * Builds the dispatcher over a complete handler map.
 * @example
 * const dispatch = createDispatcher(handlers, console);
 * ipcMain.handle(name, (event, args) => dispatch(channel, args, ctx));
 */
export function createDispatcher<Ctx>(handlers: HandlerMap<Ctx>, log: HostLog): Dispatch<Ctx> {
  return async (channel, args, ctx) => {
    const checked = checkCall(channel, args);
    if (!checked.ok) return { ok: false, error: checked.error };
    const name = checked.value.channel;
    // The map is complete for every channel (HandlerMap); the cast only joins the per-channel types.
    const handler = handlers[name] as (a: unknown, c: Ctx) => Promise<unknown>;
    let value: unknown;
    try {
      value = await handler(checked.value.args, ctx);
    } catch (error) {
      if (!isExpectedError(error)) log.error(`${name} failed`, error);
      return { ok: false, error: toIpcError(error) };
    }
    if (!isValidResult(name, value)) {
      log.error(`${name} returned a result outside the contract: ${resultProblems(name, value)}`);
      const error: IpcErrorBody = {
        code: IpcErrorCodes.internal,
        message: 'DataCrypt produced an answer it does not understand; the details are in its log',
      };
      return { ok: false, error };
    }
    return { ok: true, value };
  };
}
