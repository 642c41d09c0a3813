import { EventEmitter } from 'node:events';
import {
  REALTIME_PATH,
  RealtimeEnvelopeSchema,
  RealtimeEventNames,
  type AuthRenewAck,
  type ClientToServerEvents,
  type RealtimeEnvelope,
  type RealtimeEventName,
  type RealtimePayloads,
  type ServerToClientEvents,
} from '@datacrypt/relay-server/contract';
import { Value } from '@sinclair/typebox/value';
import { io, type Socket } from 'socket.io-client';
import { CodedError } from '../errors.js';
import type { LocalDb } from '../db/local-db.js';
import type { RelayClient } from '../relay/relay-client.js';
import { isRelayError } from '../relay/relay-error.js';
import { TransfersClient } from '../relay/transfers-client.js';

/**
 * The live inbox: a Socket.IO connection to the relay (interfaces.md "Realtime protocol") that
 * authenticates with the session's access token, renews it on the open socket (`auth:renew`)
 * before it expires, reconnects with exponential backoff, and on every (re)connect catches up on
 * what it missed through `GET /api/events?after=<cursor>`. The last cursor is kept in the
 * LocalDb settings, so a restarted process catches up too. Every event is delivered once, in
 * order, whether it came live or from the catch-up.
 * @module
 */

/** Renew the socket's token this long before it expires, ms. */
const RENEW_BEFORE_MS = 20_000;
/** Catch-up page size. */
const PAGE = 100;

/**
 * What an InboxWatcher emits: the relay's events (payloads as the contract defines them), and
 * its own connection events.
 * @example
 * watcher.on('transfer:new', (p) => engine.receive(p.transferId, { outDir }));
 */
export interface InboxWatcherEvents extends RealtimePayloads {
  /** Connected and caught up. */
  connected: { caughtUp: number };
  /** The socket dropped; a reconnect is scheduled unless `willRetry` is false. */
  disconnected: { reason: string; willRetry: boolean };
  /** The relay ended the session (logged out elsewhere): the watcher stopped. */
  'session:ended': { code: string };
  /** A failure that did not stop the watcher (catch-up failed, renew failed), or one that did. */
  error: CodedError;
}

/**
 * Options of the InboxWatcher.
 * @example
 * new InboxWatcher({ relay: client, db, accountId });
 */
export interface InboxWatcherOptions {
  /** A logged-in RelayClient (its access token and refresh are used). */
  relay: RelayClient;
  /** Where the last cursor is kept (settings key `realtime.cursor.<accountId>`). */
  db: LocalDb;
  accountId: number;
  /** First reconnect delay, ms (default 500); doubles up to `maxReconnectDelayMs`. */
  minReconnectDelayMs?: number | undefined;
  /** Longest reconnect delay, ms (default 30 000). */
  maxReconnectDelayMs?: number | undefined;
}

type Listener<E extends keyof InboxWatcherEvents> = (payload: InboxWatcherEvents[E]) => void;

/** The value as a contract-conforming event envelope, or null. */
function asEnvelope(value: unknown): RealtimeEnvelope | null {
  // The schema is a union built from a list, so its static type does not pair event and payload.
  return Value.Check(RealtimeEnvelopeSchema, value) ? (value as RealtimeEnvelope) : null;
}

function bigCursor(cursor: string): bigint {
  return /^[0-9]{1,20}$/u.test(cursor) ? BigInt(cursor) : -1n;
}

/**
 * Watches one account's relay events.
 * @example
 * const watcher = new InboxWatcher({ relay: client, db, accountId });
 * watcher.on('transfer:new', ({ transferId, size }) => console.log('new', transferId, size));
 * await watcher.start(); // resolves once connected and caught up
 * ...
 * await watcher.stop();
 */
export class InboxWatcher {
  private readonly emitter = new EventEmitter();
  private readonly relay: RelayClient;
  private readonly db: LocalDb;
  private readonly transfers: TransfersClient;
  private readonly cursorKey: string;
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempts = 0;
  private stopped = true;
  private catchingUp = false;
  private buffered: RealtimeEnvelope[] = [];
  private firstConnect: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private isConnected = false;
  /**
   * Kept per watcher (loaded from the LocalDb at start): two watchers of one profile (the app and
   * a CLI `watch`) each deliver every event, while the stored cursor only moves forward.
   */
  private lastCursor: string | null = null;

  constructor(options: InboxWatcherOptions) {
    this.relay = options.relay;
    this.db = options.db;
    this.transfers = new TransfersClient(options.relay);
    this.cursorKey = `realtime.cursor.${String(options.accountId)}`;
    this.minDelay = options.minReconnectDelayMs ?? 500;
    this.maxDelay = options.maxReconnectDelayMs ?? 30_000;
    this.emitter.on('error', () => undefined); // an unobserved 'error' must not crash the process
  }

  /** Subscribes to an event. */
  on<E extends keyof InboxWatcherEvents>(event: E, listener: Listener<E>): this {
    this.emitter.on(event, listener as (p: unknown) => void);
    return this;
  }

  /** Unsubscribes. */
  off<E extends keyof InboxWatcherEvents>(event: E, listener: Listener<E>): this {
    this.emitter.off(event, listener as (p: unknown) => void);
    return this;
  }

  private emit<E extends keyof InboxWatcherEvents>(event: E, payload: InboxWatcherEvents[E]): void {
    this.emitter.emit(event, payload);
  }

  /** True while the socket is connected and caught up. */
  get connected(): boolean {
    return this.isConnected;
  }

  /** The last event cursor this watcher delivered (or loaded at start), or null. */
  get cursor(): string | null {
    return this.lastCursor;
  }

  private storedCursor(): string | null {
    const value = this.db.settings.get(this.cursorKey);
    return typeof value === 'string' ? value : null;
  }

  /**
   * Connects and catches up. Resolves once connected and caught up the first time; rejects when
   * the first connection is refused for good (not logged in, session revoked). Later drops
   * reconnect on their own.
   * @example
   * await watcher.start();
   */
  start(): Promise<void> {
    if (!this.stopped) return Promise.resolve();
    this.stopped = false;
    this.attempts = 0;
    this.lastCursor = this.storedCursor();
    const first = new Promise<void>((resolve, reject) => {
      this.firstConnect = { resolve, reject };
    });
    this.open();
    return first;
  }

  /**
   * Disconnects and stops reconnecting.
   * @example
   * await watcher.stop();
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.isConnected = false;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    socket?.removeAllListeners();
    socket?.disconnect();
    this.firstConnect?.reject(new CodedError('E_STOPPED', 'the watcher was stopped'));
    this.firstConnect = null;
    return Promise.resolve();
  }

  private clearTimers(): void {
    if (this.renewTimer !== null) clearTimeout(this.renewTimer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.renewTimer = null;
    this.retryTimer = null;
  }

  private open(): void {
    if (this.stopped) return;
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(this.relay.relayUrl, {
      path: REALTIME_PATH,
      transports: ['websocket'],
      // Reconnects are ours: after an auth failure socket.io would not retry on its own, and a
      // fresh token is needed anyway.
      reconnection: false,
      auth: (cb) => {
        this.relay.sessionAccessToken().then(
          (token) => {
            cb({ token });
          },
          (error: unknown) => {
            this.fail(error, true);
            cb({});
          },
        );
      },
    });
    this.socket = socket;
    socket.on('connect', () => {
      this.attempts = 0;
      this.scheduleRenew();
      void this.catchUp();
    });
    socket.on('connect_error', (error) => {
      if (this.socket !== socket) return;
      const code = /^E_[A-Z_]+$/u.test(error.message) ? error.message : 'E_NETWORK';
      if (code === 'E_AUTH_INVALID') {
        // An expired or revoked token: refresh once; a refused refresh ends the session.
        this.relay.refresh().then(
          () => {
            this.retry(`handshake refused (${code})`);
          },
          (refreshError: unknown) => {
            this.fail(refreshError, true);
          },
        );
        return;
      }
      if (code === 'E_AUTH_REQUIRED') {
        this.fail(new CodedError(code, 'not logged in'), true);
        return;
      }
      this.retry(`cannot connect (${code})`);
    });
    socket.on('disconnect', (reason) => {
      if (this.socket !== socket) return;
      this.isConnected = false;
      if (this.renewTimer !== null) clearTimeout(this.renewTimer);
      if (!this.stopped) this.retry(reason);
    });
    socket.on('session:ended', ({ code }) => {
      if (code === 'E_AUTH_INVALID') {
        // Logged out or revoked: reconnecting with this session is pointless.
        this.emit('session:ended', { code });
        void this.stop();
      }
      // Otherwise (token expired unrenewed, relay shutting down) the disconnect that follows
      // schedules a reconnect with a fresh token.
    });
    for (const name of RealtimeEventNames) {
      (socket.on as (e: string, l: (p: unknown) => void) => void)(name, (payload: unknown) => {
        this.onLive(name, payload);
      });
    }
  }

  /** Backoff: min · 2^attempt, at most max, with jitter (half to full). */
  private retry(reason: string): void {
    if (this.stopped) return;
    this.isConnected = false;
    const socket = this.socket;
    this.socket = null;
    socket?.removeAllListeners();
    socket?.disconnect();
    const delay = Math.min(this.maxDelay, this.minDelay * 2 ** Math.min(this.attempts, 16));
    this.attempts++;
    this.emit('disconnected', { reason, willRetry: true });
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = null;
        this.open();
      },
      delay * (0.5 + Math.random() / 2),
    );
  }

  private fail(error: unknown, fatal: boolean): void {
    const coded = error instanceof CodedError ? error : new CodedError('E_REALTIME', String(error));
    this.emit('error', coded);
    const sessionGone =
      isRelayError(error, 'E_REFRESH_INVALID') ||
      isRelayError(error, 'E_REFRESH_REUSED') ||
      isRelayError(error, 'E_AUTH_REQUIRED') ||
      coded.code === 'E_AUTH_REQUIRED';
    if (fatal && sessionGone) {
      this.emit('disconnected', { reason: coded.code, willRetry: false });
      this.firstConnect?.reject(coded);
      this.firstConnect = null;
      void this.stop();
    } else if (fatal) {
      this.retry(coded.code);
    }
  }

  /** Renews the socket's token shortly before it expires, without reconnecting. */
  private scheduleRenew(): void {
    if (this.renewTimer !== null) clearTimeout(this.renewTimer);
    const expiresAt = this.relay.accessTokenExpiresAt;
    if (expiresAt === null) return;
    // Short-lived tokens (tests, strict relays) renew a third of their life before expiry.
    const left = expiresAt - Date.now();
    const delay = Math.max(1_000, left - Math.min(RENEW_BEFORE_MS, left / 3));
    this.renewTimer = setTimeout(() => {
      this.renewTimer = null;
      void this.renew();
    }, delay);
  }

  private async renew(): Promise<void> {
    const socket = this.socket;
    if (socket === null || this.stopped) return;
    try {
      // Within the client's refresh margin, so this refreshes and yields a new token.
      const token = await this.relay.sessionAccessToken();
      const ack = (await socket.timeout(10_000).emitWithAck('auth:renew', token)) as AuthRenewAck;
      if (!ack.ok) throw new CodedError(ack.code, 'the relay refused the renewed token');
      this.scheduleRenew();
    } catch (error) {
      // The server ends the socket at expiry; the reconnect then uses a fresh token.
      this.fail(error, false);
      this.scheduleRenewRetry();
    }
  }

  private scheduleRenewRetry(): void {
    if (this.stopped) return;
    if (this.renewTimer !== null) clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(() => {
      this.renewTimer = null;
      void this.renew();
    }, 5_000);
  }

  private onLive(event: RealtimeEventName, payload: unknown): void {
    const cursor =
      payload !== null && typeof payload === 'object' && 'cursor' in payload
        ? String(payload.cursor)
        : '';
    const envelope = asEnvelope({ cursor, event, payload, at: Date.now() });
    if (envelope === null) return; // not what the contract says
    if (this.catchingUp) this.buffered.push(envelope);
    else this.deliver(envelope);
  }

  /** Fetches what happened since the stored cursor, then releases live events held meanwhile. */
  private async catchUp(): Promise<void> {
    const socket = this.socket;
    this.catchingUp = true;
    let count = 0;
    try {
      for (;;) {
        const page = await this.transfers.events({ after: this.cursor, limit: PAGE });
        for (const item of page.events) {
          const envelope = asEnvelope(item);
          if (envelope !== null && this.deliver(envelope)) count++;
        }
        if (page.events.length < PAGE || this.stopped || this.socket !== socket) break;
      }
    } catch (error) {
      this.fail(error, false);
    } finally {
      this.catchingUp = false;
    }
    const held = this.buffered;
    this.buffered = [];
    for (const envelope of held) this.deliver(envelope);
    if (this.socket !== socket || this.stopped) return;
    this.isConnected = true;
    this.emit('connected', { caughtUp: count });
    this.firstConnect?.resolve();
    this.firstConnect = null;
  }

  /** Emits an event not seen before (by cursor) and stores its cursor; false for a duplicate. */
  private deliver(envelope: RealtimeEnvelope): boolean {
    const last = this.lastCursor;
    if (last !== null && bigCursor(envelope.cursor) <= bigCursor(last)) return false;
    this.lastCursor = envelope.cursor;
    const stored = this.storedCursor();
    if (stored === null || bigCursor(stored) < bigCursor(envelope.cursor)) {
      this.db.settings.set(this.cursorKey, envelope.cursor);
    }
    (this.emitter.emit as (e: string, p: unknown) => boolean)(envelope.event, envelope.payload);
    return true;
  }
}
