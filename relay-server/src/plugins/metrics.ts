import { timingSafeEqual, createHash } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ErrorCode, Routes } from '../contract/index.js';
import { AppError } from '../errors.js';
import { pollingLogLevel } from '../log.js';
import { RelayMetrics } from '../services/metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: RelayMetrics;
  }
}

/** Operator route; not part of the client contract. */
export const METRICS_ROUTE = '/metrics';

interface SocketCounter {
  of(namespace: string): { sockets: { size: number } };
}

/** Connected Socket.IO clients when realtime is on (`app.io`), else 0. */
function socketCount(app: FastifyInstance): number {
  if (!app.hasDecorator('io')) return 0;
  const io = (app as unknown as { io?: SocketCounter }).io;
  return io?.of('/').sockets.size ?? 0;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time: hashing first makes the compared lengths equal whatever the caller sends. */
function tokenMatches(header: string | undefined, token: string): boolean {
  return timingSafeEqual(digest(header ?? ''), digest(`Bearer ${token}`));
}

function isStream(payload: unknown): payload is Readable {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    'pipe' in payload &&
    typeof payload.pipe === 'function'
  );
}

const started = new WeakMap<FastifyRequest, bigint>();

const metricsPluginImpl: FastifyPluginAsync = (app) => {
  const metrics = new RelayMetrics(() => socketCount(app));
  app.decorate('metrics', metrics);
  const token = app.container.config.metricsToken;

  app.addHook('onRequest', async (request, reply) => {
    started.set(request, process.hrtime.bigint());
    if (request.method === 'PUT' && request.routeOptions.url === Routes.uploadPart) {
      metrics.uploadsInFlight.inc();
      // 'close' fires however the exchange ends: answered, failed or abandoned by the client.
      reply.raw.once('close', () => {
        metrics.uploadsInFlight.dec();
      });
    }
    return Promise.resolve();
  });

  app.addHook('onSend', async (request, _reply, payload) => {
    if (request.routeOptions.url === Routes.download && isStream(payload)) {
      const counted = metrics.countDownload();
      // pipeline (not pipe) so a failing blob read fails the response instead of stalling it.
      pipeline(payload, counted, () => undefined);
      return Promise.resolve(counted);
    }
    return Promise.resolve(payload);
  });

  app.addHook('onResponse', async (request, reply) => {
    const start = started.get(request);
    const route = request.routeOptions.url ?? 'unmatched';
    if (start !== undefined) {
      metrics.requestDuration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        Number(process.hrtime.bigint() - start) / 1e9,
      );
    }
    if (route === Routes.uploadPart && reply.statusCode === 200) {
      metrics.bytesIn.inc(Number(request.headers['content-length'] ?? 0));
    }
    return Promise.resolve();
  });

  app.get(
    METRICS_ROUTE,
    {
      logLevel: pollingLogLevel(app.container.config.logLevel),
      schema: { hide: true },
    },
    async (request, reply) => {
      if (token !== undefined && !tokenMatches(request.headers.authorization, token)) {
        throw new AppError(ErrorCode.AuthInvalid, 'metrics need the operator token');
      }
      const { contentType, body } = await metrics.render();
      return reply
        .header('content-type', contentType)
        .header('cache-control', 'no-store')
        .send(body);
    },
  );
  return Promise.resolve();
};

/**
 * Prometheus metrics at `/metrics`: request latency by route pattern, part uploads in flight,
 * ciphertext bytes in (stored parts) and out (download bodies), sockets connected, sweeper runs,
 * plus process metrics. Registered at the root (not encapsulated) so its hooks see every route.
 * With `DATACRYPT_METRICS_TOKEN` set, scrapes must send `Authorization: Bearer <token>`.
 */
export const metricsPlugin = Object.assign(metricsPluginImpl, {
  [Symbol.for('skip-override')]: true,
});
