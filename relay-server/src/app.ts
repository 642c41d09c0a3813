import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { createContainer, type Container, type ContainerOverrides } from './container.js';
import { ErrorCode } from './contract/index.js';
import { AppError } from './errors.js';
import { connectRealtime } from './events.js';
import { logSerializers, redactPaths } from './log.js';
import { accountsPlugin } from './plugins/accounts.js';
import { adminPlugin } from './plugins/admin.js';
import { healthPlugin } from './plugins/health.js';
import { metricsPlugin } from './plugins/metrics.js';
import { auditPlugin } from './plugins/audit.js';
import { invitePlugin } from './plugins/invite.js';
import { keysPlugin } from './plugins/keys.js';
import { notificationsPlugin } from './plugins/notifications.js';
import { realtimePlugin } from './plugins/realtime.js';
import { transfersPlugin } from './plugins/transfers.js';
import { totpPlugin } from './plugins/totp.js';
import { installGracefulClose } from './services/shutdown.js';

declare module 'fastify' {
  interface FastifyInstance {
    container: Container;
  }
}

export type App = FastifyInstance;

// Bodies are never coerced ("5" is not 5) and never silently trimmed of unknown fields;
// params and query strings arrive as text, so they are coerced to the schema's types.
const bodyAjv = new Ajv({
  removeAdditional: false,
  useDefaults: true,
  coerceTypes: false,
  allErrors: false,
});
const textAjv = new Ajv({
  removeAdditional: false,
  useDefaults: true,
  coerceTypes: true,
  allErrors: false,
});
for (const ajv of [bodyAjv, textAjv]) ajv.addKeyword('example');

export interface BuildOptions extends ContainerOverrides {
  /** Pino destination for tests that inspect log output. */
  logStream?: NodeJS.WritableStream;
}

/** Builds the relay without listening. The caller owns `listen` and `close`. */
export async function build(config: Config, options: BuildOptions = {}): Promise<App> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers: logSerializers,
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    bodyLimit: 64 * 1024,
    trustProxy: config.trustProxy,
    // Closing is graceful (services/shutdown.ts): new requests get a coded 503, requests in
    // flight finish, and connections still open after the grace period are cut.
    return503OnClosing: false,
    forceCloseConnections: false,
    // HEAD would run the download handler and count a download without sending bytes.
    exposeHeadRoutes: false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // JSON only (parts register their own octet-stream parser); anything else is a 415.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : textAjv).compile(schema),
  );

  const container = await createContainer(config, app.log, options);
  app.decorate('container', container);
  const disconnect = connectRealtime(container.bus, container.realtime);
  app.addHook('onClose', async () => {
    disconnect();
    await container.close();
  });

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      if (error.status >= 500) request.log.error({ err: error }, error.message);
      return reply
        .status(error.status)
        .headers(error.headers)
        .send({ error: { code: error.code, message: error.message } });
    }
    if (error.validation) {
      return reply
        .status(400)
        .send({ error: { code: ErrorCode.Validation, message: error.message } });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'unhandled error');
      return reply
        .status(500)
        .send({ error: { code: ErrorCode.Internal, message: 'internal error' } });
    }
    const code =
      status === 413
        ? ErrorCode.BodyTooLarge
        : status === 415
          ? ErrorCode.UnsupportedMediaType
          : status === 429
            ? ErrorCode.RateLimited
            : error.code.startsWith('FST_ERR_CTP') || error instanceof SyntaxError
              ? ErrorCode.BadJson
              : ErrorCode.Validation;
    return reply.status(status).send({ error: { code, message: error.message } });
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.status(404).send({ error: { code: ErrorCode.NotFound, message: 'no such route' } }),
  );

  installGracefulClose(app, config.shutdownGraceSeconds * 1000);
  await app.register(metricsPlugin);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'DataCrypt relay',
        version: '1',
        description:
          'Accounts, key directory and ciphertext transfers. The relay never sees plaintext.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  // After swagger: it documents only routes registered once it is (/metrics stays hidden).
  await app.register(healthPlugin);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) =>
      new AppError(ErrorCode.RateLimited, `rate limit exceeded, retry in ${ctx.after}`),
    // Counters shared by all instances when scaled out, so a limit is per client, not per instance.
    // A Redis outage must not lock everyone out; guesses stay bounded by the attempt counters in
    // the record store (login lockout, code and TOTP attempts), which do not depend on Redis.
    ...(container.redis
      ? { redis: container.redis.client, nameSpace: 'datacrypt:rl:', skipOnError: true }
      : {}),
  });

  // Before the feature plugins: its hooks (key lookups, logout) must see their routes.
  await app.register(realtimePlugin);
  await app.register(notificationsPlugin);
  await app.register(accountsPlugin);
  await app.register(totpPlugin);
  await app.register(keysPlugin);
  await app.register(transfersPlugin);
  await app.register(auditPlugin);
  await app.register(invitePlugin);
  await app.register(adminPlugin);
  return app;
}
