import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '../contract/index.js';

/** What shutdown needs of the Socket.IO server; only this instance's own sockets are touched. */
export interface LocalSockets {
  local: {
    emit(event: 'session:ended', payload: { code: string }): unknown;
    disconnectSockets(close?: boolean): void;
  };
}

/** The Socket.IO server when realtime is on (helper-agnostic: read through `hasDecorator`). */
export function socketServer(app: FastifyInstance): LocalSockets | undefined {
  if (!app.hasDecorator('io')) return undefined;
  const io = (app as unknown as { io?: LocalSockets }).io;
  return io ?? undefined;
}

/**
 * Makes every `app.close()` graceful:
 * - from the first moment of closing, new requests (also on kept-alive connections) get 503
 *   `E_SHUTTING_DOWN` with `Connection: close`, and the listener stops accepting connections;
 * - realtime clients of this instance get `session:ended` { code: E_SHUTTING_DOWN } and are
 *   disconnected (they reconnect to another instance through the load balancer);
 * - requests in flight, above all part uploads, run to completion, and only then are the stores
 *   closed (Fastify closes the listener before the other onClose hooks);
 * - after `graceMs` whatever is still open is cut, so a stalled client cannot hold the exit.
 */
export function installGracefulClose(app: FastifyInstance, graceMs: number): void {
  let closing = false;
  let deadline: NodeJS.Timeout | undefined;

  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    await reply
      .status(503)
      .header('connection', 'close')
      .send({
        error: { code: ErrorCode.ShuttingDown, message: 'the relay is shutting down; retry' },
      });
  });

  // Responses to requests that were already in flight close their connection too, so nothing
  // is left idle-but-open once they finish.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  app.addHook('preClose', async () => {
    closing = true;
    const io = socketServer(app);
    if (io !== undefined) {
      io.local.emit('session:ended', { code: ErrorCode.ShuttingDown });
      io.local.disconnectSockets(true);
    }
    deadline = setTimeout(() => {
      app.log.warn({ graceMs }, 'shutdown grace period over: closing remaining connections');
      app.server.closeAllConnections();
    }, graceMs);
    return Promise.resolve();
  });

  app.addHook('onClose', async () => {
    clearTimeout(deadline);
    return Promise.resolve();
  });
}
