/**
 * The renderer's one door to the app: `window.datacrypt` (Electron preload, or the web host's
 * browser bridge), wrapped so calls return values or throw CallError. Nothing else in the renderer
 * touches the bridge. Only types come from desktop/shared, so the schema library stays out of the
 * bundle.
 * @module
 */
import type { ArgsParam, DataCryptApi, IpcErrorBody } from '../../../shared/api.js';
import type { CallResult, Channel } from '../../../shared/contract.js';

declare global {
  interface Window {
    datacrypt?: DataCryptApi;
  }
}

/** An error answer of a call: its stable `E_…` code, the host's message and details. */
export class CallError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, string | number | boolean | null>>;

  constructor(body: IpcErrorBody) {
    super(body.message);
    this.name = 'CallError';
    this.code = body.code;
    this.details = body.details ?? {};
  }
}

/** `window.datacrypt` with calls that return the value or throw CallError. */
export interface Client {
  readonly api: DataCryptApi;
  call<C extends Channel>(channel: C, ...args: ArgsParam<C>): Promise<CallResult<C>>;
  on: DataCryptApi['on'];
}

/**
 * Wraps a bridge.
 * @example
 * const contacts = await createClient(window.datacrypt).call('contacts:list');
 */
export function createClient(api: DataCryptApi): Client {
  return {
    api,
    async call<C extends Channel>(channel: C, ...args: ArgsParam<C>): Promise<CallResult<C>> {
      let answer;
      try {
        answer = await api.invoke(channel, ...args);
      } catch (e) {
        // invoke never rejects by contract; a broken bridge still gets a readable error
        throw new CallError({
          code: 'E_BRIDGE',
          message: e instanceof Error ? e.message : String(e),
        });
      }
      if (answer.ok) return answer.value;
      throw new CallError(answer.error);
    },
    on: (event, listener) => api.on(event, listener),
  };
}

/**
 * The client over `window.datacrypt`, or null when the page runs outside the app.
 * @example
 * const client = getClient(); if (!client) showBridgeError();
 */
export function getClient(): Client | null {
  const api = window.datacrypt;
  return api ? createClient(api) : null;
}

/** A caught error as a code + detail for display. */
export interface ShownError {
  code: string;
  detail: string;
}

/**
 * The code and host message of anything a call threw (CallError, or an unexpected Error).
 * @example
 * catch (e) { setError(toShownError(e)); }
 */
export function toShownError(e: unknown): ShownError {
  if (e instanceof CallError) return { code: e.code, detail: e.message };
  return { code: 'E_INTERNAL', detail: e instanceof Error ? e.message : String(e) };
}
