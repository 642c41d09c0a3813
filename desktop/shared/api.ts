/**
 * What the renderer sees: `window.datacrypt` (type `DataCryptApi`), provided by the Electron
 * preload or, in a plain browser, by the web host client (desktop/src/renderer-bridge). Both are
 * generated from the same contract.
 *
 * `invoke` never rejects: it resolves to an envelope `{ ok: true, value }` or
 * `{ ok: false, error: { code, message, details } }`, because error objects lose their fields when
 * crossing Electron's context bridge. `createClient(api).call(...)` unwraps it and throws
 * `IpcError` (with the `E_…` code) for code that prefers exceptions.
 * @module
 */
import { Type, type Static } from '@sinclair/typebox';
import type { CallArgs, CallResult, Channel, EventName, EventPayload } from './contract.js';
import type { Transport } from './dto.js';

/** Extra facts about an error for the UI (e.g. E_KEY_CHANGED: email, oldFingerprint, ...). */
export const IpcErrorDetails = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]),
);
/** An error as it crosses the boundary: stable code, plain-language message, details. */
export const IpcErrorBody = Type.Object(
  {
    code: Type.String({ pattern: '^E_[A-Z0-9_]+$' }),
    message: Type.String(),
    details: Type.Optional(IpcErrorDetails),
  },
  { additionalProperties: false },
);
export type IpcErrorBody = Static<typeof IpcErrorBody>;

/**
 * Codes the transport itself produces (the rest come from desktop/core and the relay, e.g.
 * E_KEY_CHANGED, E_SAFETY_NUMBER, E_NETWORK, E_UNAUTHENTICATED, E_SIGNATURE).
 */
export const IpcErrorCodes = {
  /** The argument object does not match the channel's schema. */
  argument: 'E_IPC_ARGUMENT',
  /** No such channel. */
  unknownChannel: 'E_IPC_CHANNEL',
  /** The call came from a frame/page that is not the app's (Electron) or without the token (web). */
  sender: 'E_IPC_SENDER',
  /** The host could not complete the call for an unexpected reason (details are in its log). */
  internal: 'E_INTERNAL',
  /** The web host connection dropped before the answer arrived. */
  disconnected: 'E_IPC_DISCONNECTED',
  /** A message on the wire is malformed (web host). */
  protocol: 'E_IPC_PROTOCOL',
} as const;

/** The answer of `invoke`: the result, or the error. */
export type IpcResult<C extends Channel> =
  { ok: true; value: CallResult<C> } | { ok: false; error: IpcErrorBody };

/** Optional argument when the channel takes no fields. */
export type ArgsParam<C extends Channel> =
  Record<string, never> extends CallArgs<C> ? [args?: CallArgs<C>] : [args: CallArgs<C>];

/** A file object as the browser gives it (drag and drop, <input type=file>); DOM `File` fits. */
export interface FileLike {
  readonly name: string;
  readonly size: number;
  readonly type: string;
}

/**
 * The `window.datacrypt` object.
 * @example
 * const r = await window.datacrypt.invoke('contacts:list');
 * if (r.ok) setContacts(r.value.contacts); else showError(r.error);
 * const off = window.datacrypt.on('transfer:new', (t) => refreshInbox());
 */
export interface DataCryptApi {
  /** Which transport this is. */
  readonly transport: Transport;
  /** Calls a channel. Never rejects; see the module comment. */
  invoke<C extends Channel>(channel: C, ...args: ArgsParam<C>): Promise<IpcResult<C>>;
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /**
   * A local path for a dropped/picked browser file, to pass to `transfers:send` etc.
   * Electron: the file's real path (`webUtils.getPathForFile`). Web host: the file is uploaded
   * over the loopback connection into the profile's `uploads/` folder and that path is returned.
   * Folders cannot be uploaded in the browser: type their path instead.
   */
  pathForFile(file: FileLike): Promise<PathResult>;
}

/** The answer of `pathForFile`. */
export type PathResult = { ok: true; path: string } | { ok: false; error: IpcErrorBody };

/** An error answer of a call, as an exception (`createClient`). */
export class IpcError extends Error {
  readonly code: string;
  readonly details: Record<string, string | number | boolean | null>;

  constructor(body: IpcErrorBody) {
    super(body.message);
    this.name = 'IpcError';
    this.code = body.code;
    this.details = body.details ?? {};
  }
}

/** `DataCryptApi` with throwing calls. */
export interface DataCryptClient {
  readonly api: DataCryptApi;
  /** Calls a channel; throws IpcError on an error answer. */
  call<C extends Channel>(channel: C, ...args: ArgsParam<C>): Promise<CallResult<C>>;
  on: DataCryptApi['on'];
}

/**
 * Wraps `window.datacrypt` so that calls return the value or throw IpcError.
 * @example
 * const client = createClient(window.datacrypt);
 * try { await client.call('contacts:add', { email }); } catch (e) { if (e instanceof IpcError) ... }
 */
export function createClient(api: DataCryptApi): DataCryptClient {
  return {
    api,
    async call<C extends Channel>(channel: C, ...args: ArgsParam<C>): Promise<CallResult<C>> {
      const answer = await api.invoke(channel, ...args);
      if (answer.ok) return answer.value;
      throw new IpcError(answer.error);
    },
    on: (event, listener) => api.on(event, listener),
  };
}
