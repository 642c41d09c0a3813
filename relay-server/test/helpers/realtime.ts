import { io, type Socket } from 'socket.io-client';
import {
  REALTIME_PATH,
  RealtimeEventNames,
  type ClientToServerEvents,
  type RealtimeEventName,
  type RealtimePayloads,
  type ServerToClientEvents,
  type SessionEndedPayload,
} from '../../src/contract/index.js';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type Received =
  | { [E in RealtimeEventName]: { event: E; payload: RealtimePayloads[E] } }[RealtimeEventName]
  | { event: 'session:ended'; payload: SessionEndedPayload };

const EVENTS: readonly (RealtimeEventName | 'session:ended')[] = [
  ...RealtimeEventNames,
  'session:ended',
];

/** A socket.io-client connection that records every server event in arrival order. */
export interface TestSocket {
  socket: ClientSocket;
  received: Received[];
  /** Resolves with the first recorded event (from `from` on) matching `match`, or rejects at the deadline. */
  next(match: (r: Received) => boolean, timeoutMs?: number, from?: number): Promise<Received>;
  /** The payload of the first `event` (matching `match`) received, or rejects at the deadline. */
  nextOf<E extends RealtimeEventName>(
    event: E,
    match?: (payload: RealtimePayloads[E]) => boolean,
    timeoutMs?: number,
  ): Promise<RealtimePayloads[E]>;
  disconnected(timeoutMs?: number): Promise<string>;
  close(): void;
}

/** Polls until `check` returns a value other than undefined; rejects after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function record(socket: ClientSocket): Received[] {
  const received: Received[] = [];
  for (const event of EVENTS) {
    (socket.on as (e: string, l: (p: unknown) => void) => void)(event, (payload) => {
      received.push({ event, payload } as Received);
    });
  }
  return received;
}

function wrap(socket: ClientSocket, received: Received[]): TestSocket {
  let reason: string | undefined;
  socket.on('disconnect', (r) => {
    reason = r;
  });
  return {
    socket,
    received,
    next: (match, timeoutMs = 5000, from = 0) =>
      waitFor(() => received.slice(from).find(match), timeoutMs, 'a socket event'),
    nextOf: async <E extends RealtimeEventName>(
      event: E,
      match: (payload: RealtimePayloads[E]) => boolean = () => true,
      timeoutMs = 5000,
    ) => {
      const found = await waitFor(
        () => received.find((r) => r.event === event && match(r.payload as RealtimePayloads[E])),
        timeoutMs,
        `a ${event} event`,
      );
      return found.payload as RealtimePayloads[E];
    },
    disconnected: (timeoutMs = 5000) => waitFor(() => reason, timeoutMs, 'disconnect'),
    close() {
      socket.close();
    },
  };
}

/** Connects with `token`; resolves once connected, rejects with the connect_error message. */
export function connectSocket(url: string, token: unknown): Promise<TestSocket> {
  const socket: ClientSocket = io(url, {
    path: REALTIME_PATH,
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const received = record(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      resolve(wrap(socket, received));
    });
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** The connect_error a token gets: its message (an ErrorCode) and data. */
export async function connectError(
  url: string,
  token: unknown,
): Promise<{ message: string; data: unknown }> {
  try {
    const s = await connectSocket(url, token);
    s.close();
  } catch (err) {
    const e = err as Error & { data?: unknown };
    return { message: e.message, data: e.data };
  }
  throw new Error('the handshake was accepted');
}
