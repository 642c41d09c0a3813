import { repeatWithoutOverlap } from '../services/repeat.js';
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { Container } from '../container.js';
import {
  ErrorCode,
  REALTIME_PATH,
  type AuthRenewAck,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '../contract/index.js';
import type { Log } from '../log.js';
import { authenticateSocket, type SocketIdentity } from './socket-auth.js';

/** Per-socket state; `timer` ends the socket when its access token expires unrenewed. */
export interface SocketData extends SocketIdentity {
  timer?: NodeJS.Timeout;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no server-to-server events
export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, {}, SocketData>;
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- no server-to-server events
type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents, {}, SocketData>;

/** The only room a socket joins: its user's. */
export const userRoom = (userId: string): string => `user:${userId}`;

// setTimeout holds at most ~24.8 days; tokens live far shorter, but never overflow into "now".
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Tells the client why, then drops the connection. */
export function endSession(socket: RealtimeSocket, code: ErrorCode): void {
  clearTimeout(socket.data.timer);
  socket.emit('session:ended', { code });
  socket.disconnect(true);
}

function armExpiry(socket: RealtimeSocket): void {
  clearTimeout(socket.data.timer);
  // Real time, like the JWT check itself (jose compares `exp` with the wall clock).
  const delay = Math.min(Math.max(0, socket.data.expiresAt - Date.now()), MAX_TIMER_MS);
  socket.data.timer = setTimeout(() => {
    endSession(socket, ErrorCode.TokenExpired);
  }, delay);
  socket.data.timer.unref();
}

/**
 * Socket.IO on the relay's HTTP server. The handshake must carry a valid access token
 * (`auth.token`); a rejected one gets a connect_error whose message is the ErrorCode. Each socket
 * joins only its user's room and is disconnected with `session:ended` when its token expires
 * unless `auth:renew` supplied a fresh one.
 */
export function createRealtimeServer(
  c: Container,
  httpServer: HttpServer,
  log: Log,
): RealtimeServer {
  const io: RealtimeServer = new Server(httpServer, {
    path: REALTIME_PATH,
    serveClient: false,
    // Events are small; a client has nothing big to send.
    maxHttpBufferSize: 16 * 1024,
    // No per-socket zlib contexts: with thousands of sockets they would dominate memory, and
    // the payloads (ids and sizes) are too small to gain from compression.
    perMessageDeflate: false,
    httpCompression: false,
    ...(c.redis ? { adapter: c.redis.socketAdapter } : {}),
  });

  io.use((socket, next) => {
    const auth: unknown = socket.handshake.auth;
    const token = typeof auth === 'object' && auth !== null && 'token' in auth ? auth.token : '';
    authenticateSocket(c, token).then(
      (result) => {
        if (!result.ok) {
          next(Object.assign(new Error(result.code), { data: { code: result.code } }));
          return;
        }
        Object.assign(socket.data, result.identity);
        next();
      },
      (err: unknown) => {
        log.error({ err }, 'socket handshake failed');
        next(Object.assign(new Error(ErrorCode.Internal), { data: { code: ErrorCode.Internal } }));
      },
    );
  });

  io.on('connection', (socket) => {
    void socket.join(userRoom(socket.data.userId));
    armExpiry(socket);

    socket.on('auth:renew', (token: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      const reply = ack as (result: AuthRenewAck) => void;
      authenticateSocket(c, token).then(
        (result) => {
          if (!socket.connected) return;
          if (!result.ok) {
            reply({ ok: false, code: result.code });
            return;
          }
          // A token of another account would move this socket into someone else's room.
          if (result.identity.userId !== socket.data.userId) {
            reply({ ok: false, code: ErrorCode.AuthInvalid });
            return;
          }
          socket.data.sessionId = result.identity.sessionId;
          socket.data.expiresAt = result.identity.expiresAt;
          armExpiry(socket);
          reply({ ok: true, expiresAt: result.identity.expiresAt });
        },
        (err: unknown) => {
          log.error({ err }, 'socket token renewal failed');
          reply({ ok: false, code: ErrorCode.Internal });
        },
      );
    });

    socket.on('disconnect', () => {
      clearTimeout(socket.data.timer);
    });
  });
  return io;
}

/**
 * Every `intervalMs`, ends this instance's sockets whose session was revoked since they connected
 * by something that cannot reach them directly (refresh-token reuse, an admin disabling the
 * account from the CLI). Logout and password change end theirs at once. Returns a stop function.
 */
export function startSessionChecks(
  c: Container,
  io: RealtimeServer,
  log: Log,
  intervalMs: number,
): () => void {
  const check = async () => {
    const bySession = new Map<string, RealtimeSocket[]>();
    for (const s of io.of('/').sockets.values()) {
      const list = bySession.get(s.data.sessionId) ?? [];
      list.push(s);
      bySession.set(s.data.sessionId, list);
    }
    for (const [sessionId, sockets] of bySession) {
      if (await c.tokens.isFamilyActive(sessionId)) continue;
      for (const s of sockets) endSession(s, ErrorCode.AuthInvalid);
    }
  };
  return repeatWithoutOverlap(intervalMs, check, (err: unknown) => {
    log.error({ err }, 'socket session check failed');
  });
}

/**
 * Ends the user's sockets of one session (logout), or of all sessions when `sessionId` is
 * undefined (password change), on whichever instance they are connected.
 */
export async function endSessionEverywhere(
  io: RealtimeServer,
  userId: string,
  sessionId: string | undefined,
  code: ErrorCode,
): Promise<void> {
  const sockets = await io.in(userRoom(userId)).fetchSockets();
  for (const s of sockets) {
    if (sessionId !== undefined && s.data.sessionId !== sessionId) continue;
    s.emit('session:ended', { code });
    s.disconnect(true);
  }
}
