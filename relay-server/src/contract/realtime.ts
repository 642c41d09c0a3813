import { Type, type Static } from '@sinclair/typebox';
import type { ErrorCode } from './errors.js';

// The realtime protocol shared with clients. Socket.IO on the relay's own HTTP server:
//   io(relayUrl, { path: REALTIME_PATH, auth: { token: accessJwt }, transports: ['websocket'] })
// A rejected handshake is a `connect_error` whose `message` is one of RealtimeConnectErrorCode.
// Every transfer/key payload carries ids and sizes only (never names or plaintext) plus `cursor`,
// the opaque, per-user monotonic position of the event in the user's event log: pass the last seen
// one to `GET Routes.events?after=` to catch up after being offline.

/** Socket.IO path on the relay's HTTP server (namespace `/`). */
export const REALTIME_PATH = '/socket.io';

/** Cursor of one event; compare only for equality, order comes from the server. */
export const Cursor = Type.String({ pattern: '^[0-9]{1,20}$', description: 'opaque event cursor' });

const strict = { additionalProperties: false } as const;

export const TransferNewPayload = Type.Object(
  { cursor: Cursor, transferId: Type.String(), senderId: Type.String(), size: Type.Integer() },
  { ...strict, description: 'to each recipient when a transfer is finalized' },
);
export type TransferNewPayload = Static<typeof TransferNewPayload>;

export const TransferIncomingPayload = Type.Object(
  { cursor: Cursor, transferId: Type.String(), senderId: Type.String(), size: Type.Integer() },
  {
    ...strict,
    description:
      'to each recipient when a transfer is created on a relay that serves uploads live: it can be downloaded while the sender uploads (`transfer:new` follows at finalize)',
  },
);
export type TransferIncomingPayload = Static<typeof TransferIncomingPayload>;

export const TransferDownloadedPayload = Type.Object(
  { cursor: Cursor, transferId: Type.String(), recipientId: Type.String() },
  { ...strict, description: 'to the sender when a recipient starts a download (byte 0)' },
);
export type TransferDownloadedPayload = Static<typeof TransferDownloadedPayload>;

export const TransferReceiptPayload = Type.Object(
  { cursor: Cursor, transferId: Type.String(), recipientId: Type.String() },
  { ...strict, description: 'to the sender when a recipient posts a receipt' },
);
export type TransferReceiptPayload = Static<typeof TransferReceiptPayload>;

export const TransferRevokedPayload = Type.Object(
  { cursor: Cursor, transferId: Type.String(), senderId: Type.String() },
  { ...strict, description: 'to the recipients when the sender revokes a finalized transfer' },
);
export type TransferRevokedPayload = Static<typeof TransferRevokedPayload>;

export const TransferExpiredPayload = Type.Object(
  { cursor: Cursor, transferId: Type.String(), senderId: Type.String() },
  { ...strict, description: 'to sender and recipients when the sweeper removes an expired one' },
);
export type TransferExpiredPayload = Static<typeof TransferExpiredPayload>;

export const KeyChangedPayload = Type.Object(
  { cursor: Cursor, userId: Type.String(), fingerprint: Type.String() },
  {
    ...strict,
    description:
      'to users who share a transfer with `userId` or looked up their key: the key was rotated',
  },
);
export type KeyChangedPayload = Static<typeof KeyChangedPayload>;

/** Client payload of each server->client event. */
export interface RealtimePayloads {
  'transfer:new': TransferNewPayload;
  'transfer:incoming': TransferIncomingPayload;
  'transfer:downloaded': TransferDownloadedPayload;
  'transfer:receipt': TransferReceiptPayload;
  'transfer:revoked': TransferRevokedPayload;
  'transfer:expired': TransferExpiredPayload;
  'key:changed': KeyChangedPayload;
}

export type RealtimeEventName = keyof RealtimePayloads;

export const RealtimeEventNames: readonly RealtimeEventName[] = [
  'transfer:new',
  'transfer:incoming',
  'transfer:downloaded',
  'transfer:receipt',
  'transfer:revoked',
  'transfer:expired',
  'key:changed',
];

/** Why the server is about to disconnect the socket. */
export interface SessionEndedPayload {
  /**
   * E_TOKEN_EXPIRED: the access token expired and `auth:renew` did not replace it in time;
   * E_AUTH_INVALID: the session was logged out / revoked; E_SHUTTING_DOWN: the relay is stopping.
   */
  code: ErrorCode;
}

/** Events the server sends; each handler gets the payload of its event. */
export type ServerToClientEvents = {
  [E in RealtimeEventName]: (payload: RealtimePayloads[E]) => void;
} & {
  'session:ended': (payload: SessionEndedPayload) => void;
};

export type AuthRenewAck = { ok: true; expiresAt: number } | { ok: false; code: ErrorCode };

/** Events the client sends. */
export interface ClientToServerEvents {
  /**
   * Replaces the socket's access token (after a refresh) without reconnecting. The new token must
   * belong to the same user. `expiresAt` is the new token's expiry in ms since epoch.
   */
  'auth:renew': (token: string, ack: (result: AuthRenewAck) => void) => void;
}

/**
 * Codes a handshake is rejected with (`connect_error.message`): E_AUTH_REQUIRED (no token),
 * E_AUTH_INVALID (tampered, wrong type, expired, session revoked or account gone, as over HTTP).
 */
export type RealtimeConnectErrorCode = 'E_AUTH_REQUIRED' | 'E_AUTH_INVALID';

// --- catch-up route ---
const EnvelopeVariants = RealtimeEventNames.map((name) => {
  const payloads = {
    'transfer:new': TransferNewPayload,
    'transfer:incoming': TransferIncomingPayload,
    'transfer:downloaded': TransferDownloadedPayload,
    'transfer:receipt': TransferReceiptPayload,
    'transfer:revoked': TransferRevokedPayload,
    'transfer:expired': TransferExpiredPayload,
    'key:changed': KeyChangedPayload,
  } as const;
  return Type.Object(
    {
      cursor: Cursor,
      event: Type.Literal(name),
      payload: payloads[name],
      at: Type.Integer({ minimum: 0, description: 'milliseconds since epoch' }),
    },
    strict,
  );
});

/** One logged event, as `GET Routes.events` returns it (payload as on the socket). */
export const RealtimeEnvelopeSchema = Type.Union(EnvelopeVariants);

/** One logged event, discriminated by `event`. */
export type RealtimeEnvelope = {
  [E in RealtimeEventName]: { cursor: string; event: E; payload: RealtimePayloads[E]; at: number };
}[RealtimeEventName];

export const EventsQuery = Type.Object(
  {
    after: Type.Optional(Cursor),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  strict,
);
export type EventsQuery = Static<typeof EventsQuery>;

export const EventsResponse = Type.Object(
  {
    events: Type.Array(RealtimeEnvelopeSchema, { description: 'oldest first' }),
    cursor: Type.Union([Cursor, Type.Null()], {
      description: 'cursor of the last event returned (null when none); pass it as `after` next',
    }),
  },
  strict,
);
export interface EventsResponse {
  events: RealtimeEnvelope[];
  cursor: string | null;
}

// --- notification preference ---
export const NotificationPrefs = Type.Object(
  { emailOnNewTransfer: Type.Boolean({ description: 'mail me when a transfer arrives' }) },
  strict,
);
export type NotificationPrefs = Static<typeof NotificationPrefs>;
