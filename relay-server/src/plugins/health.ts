import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { pollingLogLevel } from '../log.js';

/** Operator routes; not part of the client contract. */
export const HealthRoutes = { healthz: '/healthz', readyz: '/readyz' } as const;

// A probe that hangs (a black-holed database) must not hang the orchestrator's probe with it.
const PROBE_TIMEOUT_MS = 2000;

const CheckState = Type.Union([Type.Literal('ok'), Type.Literal('failed')]);
const ReadyBody = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
    checks: Type.Record(Type.String(), CheckState),
  },
  { additionalProperties: false },
);

function withTimeout(probe: () => Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([Promise.resolve().then(probe), timeout]).finally(() => {
    clearTimeout(timer);
  });
}

/**
 * `/healthz`: the process serves HTTP (liveness). `/readyz`: every backing service answers
 * (records, blobs, mail, Redis when configured); 503 names the ones that do not. Neither needs
 * auth nor reveals more than check names: error details go to the log only.
 */
export const healthPlugin: FastifyPluginAsyncTypebox = (app) => {
  const probes = app.container.probes;

  app.get(
    HealthRoutes.healthz,
    {
      logLevel: pollingLogLevel(app.container.config.logLevel),
      schema: {
        summary: 'Liveness: the process is up',
        tags: ['operations'],
        response: {
          200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false }),
        },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    HealthRoutes.readyz,
    {
      logLevel: pollingLogLevel(app.container.config.logLevel),
      schema: {
        summary: 'Readiness: records, blobs, mail (and Redis when configured) are reachable',
        tags: ['operations'],
        response: { 200: ReadyBody, 503: ReadyBody },
      },
    },
    async (request, reply) => {
      const names = Object.keys(probes);
      const results = await Promise.allSettled(
        names.map((name) =>
          withTimeout(probes[name] ?? (() => Promise.resolve()), PROBE_TIMEOUT_MS),
        ),
      );
      const checks: Record<string, 'ok' | 'failed'> = {};
      results.forEach((result, i) => {
        const name = names[i] ?? '';
        checks[name] = result.status === 'fulfilled' ? 'ok' : 'failed';
        if (result.status === 'rejected') {
          request.log.warn(
            { check: name, err: result.reason as unknown },
            'readiness check failed',
          );
        }
      });
      const ready = results.every((r) => r.status === 'fulfilled');
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'unavailable', checks });
    },
  );
  return Promise.resolve();
};
