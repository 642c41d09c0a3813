/**
 * The web host's wire protocol: the IPC contract carried over one loopback WebSocket as JSON
 * messages. Used by the web host (desktop/src/web-host) and its browser client
 * (desktop/src/renderer-bridge); Electron does not use it.
 *
 * - The page is served at `http://127.0.0.1:<port>/#token=<token>`; the token is random per launch.
 * - The socket connects to `ws://<same host>/ipc` offering two subprotocols: `WEB_PROTOCOL` and
 *   `tokenProtocol(token)` (browsers cannot set headers on WebSockets; the fragment never reaches
 *   server logs). The server also checks `Origin` and `Host`.
 * - File uploads (`pathForFile` in a browser): `POST /upload` with `Authorization: Bearer <token>`
 *   and `X-DataCrypt-File-Name: <encodeURIComponent(name)>`, body = the bytes; answer
 *   `{ path }` or `{ error: { code, message } }`.
 * @module
 */
import { Type, type Static } from '@sinclair/typebox';
import { IpcErrorBody } from './api.js';

/** The subprotocol naming this protocol version. */
export const WEB_PROTOCOL = 'datacrypt.v1';
/** Prefix of the subprotocol that carries the launch token. */
export const TOKEN_PROTOCOL_PREFIX = 'datacrypt.token.';
/** The WebSocket path. */
export const WEB_IPC_PATH = '/ipc';
/** The upload path. */
export const WEB_UPLOAD_PATH = '/upload';
/** The header holding the uploaded file's name (URI-encoded). */
export const FILE_NAME_HEADER = 'x-datacrypt-file-name';
/** Launch tokens: 43 base64url characters (256 random bits). */
export const TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';

/**
 * The subprotocol that carries `token`.
 * @example
 * new WebSocket(url, [WEB_PROTOCOL, tokenProtocol(token)]);
 */
export function tokenProtocol(token: string): string {
  return `${TOKEN_PROTOCOL_PREFIX}${token}`;
}

const strict = { additionalProperties: false } as const;

/** Browser -> host: one call. `id` pairs it with its answer. */
export const WireCall = Type.Object(
  {
    t: Type.Literal('call'),
    id: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    channel: Type.String({ maxLength: 64 }),
    args: Type.Unknown(),
  },
  strict,
);
export type WireCall = Static<typeof WireCall>;

/** Host -> browser: the answer of call `id` (the `IpcResult` envelope). */
export const WireResult = Type.Object(
  {
    t: Type.Literal('result'),
    id: Type.Integer({ minimum: 0 }),
    result: Type.Union([
      Type.Object({ ok: Type.Literal(true), value: Type.Unknown() }, strict),
      Type.Object({ ok: Type.Literal(false), error: IpcErrorBody }, strict),
    ]),
  },
  strict,
);
export type WireResult = Static<typeof WireResult>;

/** Host -> browser: an event of the contract. */
export const WireEvent = Type.Object(
  { t: Type.Literal('event'), event: Type.String(), payload: Type.Unknown() },
  strict,
);
export type WireEvent = Static<typeof WireEvent>;

/** Host -> browser: a message that could not be understood (no call id to answer). */
export const WireProtocolError = Type.Object(
  { t: Type.Literal('error'), error: IpcErrorBody },
  strict,
);
export type WireProtocolError = Static<typeof WireProtocolError>;

/** Anything the host sends. */
export const WireFromHost = Type.Union([WireResult, WireEvent, WireProtocolError]);
export type WireFromHost = Static<typeof WireFromHost>;

/** The answer of an upload. */
export const UploadAnswer = Type.Union([
  Type.Object({ path: Type.String() }, strict),
  Type.Object({ error: IpcErrorBody }, strict),
]);
export type UploadAnswer = Static<typeof UploadAnswer>;
