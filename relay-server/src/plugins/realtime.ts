import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  ErrorBody,
  ErrorCode,
  EventsQuery,
  EventsResponse,
  Routes,
  type RealtimeEnvelope,
} from '../contract/index.js';
import { startRealtimeHub } from '../realtime/hub.js';
import {
  createRealtimeServer,
  endSessionEverywhere,
  startSessionChecks,
  userRoom,
  type RealtimeServer,
} from '../realtime/server.js';
import { bearer, currentUser, requireUser } from './auth.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The Socket.IO server (path `/socket.io`), fanned out through Redis when configured. */
    io: RealtimeServer;
  }
}

function routeOf(request: FastifyRequest): string | undefined {
  return request.routeOptions.url;
}

/**
 * Realtime: Socket.IO on the relay's HTTP server, the bus -> event log -> socket fan-out, and the
 * catch-up route. Registered without encapsulation so `app.io` and its hooks reach every route.
 */
const plugin: FastifyPluginAsyncTypebox = (app) => {
  const c = app.container;
  const io = createRealtimeServer(c, app.server, app.log);
  app.decorate('io', io);
  const hub = startRealtimeHub(
    c,
    (userId, event, payload) => {
      // Typed per event in the hub; Socket.IO's emit overloads cannot follow a generic event.
      (io.to(userRoom(userId)).emit as (e: string, p: unknown) => boolean)(event, payload);
    },
    app.log,
  );

  app.addHook('onResponse', async (request, reply) => {
    const url = routeOf(request);
    if (url === Routes.publicKey && reply.statusCode === 200) {
      // Looking a key up while signed in subscribes the caller to that key's changes.
      const params = request.params as { email?: unknown };
      if (typeof params.email !== 'string') return;
      const subject = await c.accounts.byEmail(params.email.toLowerCase());
      if (subject !== undefined) {
        const watcherId = currentUser(request).id;
        await c.watchers.watch([{ watcherId, subjectId: subject.id }], c.now());
      }
    } else if (url === Routes.logout && reply.statusCode === 204) {
      const user = currentUser(request);
      await endSessionEverywhere(io, user.id, user.sessionId, ErrorCode.AuthInvalid);
    } else if (url === Routes.password && reply.statusCode === 200) {
      // Every earlier session was revoked; the client reconnects with its new tokens.
      await endSessionEverywhere(io, currentUser(request).id, undefined, ErrorCode.AuthInvalid);
    }
  });

  const stopSessionChecks = startSessionChecks(
    c,
    io,
    app.log,
    c.config.socketSessionCheckSeconds * 1000,
  );

  app.addHook('onClose', async () => {
    stopSessionChecks();
    hub.stop();
    await hub.idle();
    // Fastify has closed the listener already; this closes the engine and the Redis adapter.
    await io.close();
  });

  app.get(
    Routes.events,
    {
      onRequest: requireUser(c),
      schema: {
        summary:
          'The caller’s realtime events after a cursor (catch-up after being offline), oldest first',
        tags: ['realtime'],
        security: bearer,
        querystring: EventsQuery,
        response: { 200: EventsResponse, 400: ErrorBody, 401: ErrorBody },
      },
    },
    async (request): Promise<EventsResponse> => {
      const user = currentUser(request);
      const after = request.query.after ?? null;
      const entries = await c.events.after(user.id, after, request.query.limit ?? 100);
      const events = entries.map(
        (e) =>
          ({
            cursor: e.cursor,
            event: e.event,
            payload: { ...e.payload, cursor: e.cursor },
            at: e.at,
          }) as RealtimeEnvelope,
      );
      return { events, cursor: entries.at(-1)?.cursor ?? after };
    },
  );
  return Promise.resolve();
};

// Same effect as fastify-plugin: the decorator and hooks land on the parent instance.
Object.assign(plugin, { [Symbol.for('skip-override')]: true });

export const realtimePlugin = plugin;
