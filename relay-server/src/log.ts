import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';

export type Log = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;

// Anything that can open an account or a session; pino replaces these values in every line.
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.code',
  '*.recoveryCode',
  '*.refreshToken',
  '*.accessToken',
  '*.challenge',
  '*.secret',
  '*.token',
  'password',
  'code',
  'refreshToken',
  'accessToken',
  // Verification mails carry the code in their subject.
  'mail.subject',
];

// Query parameters whose values are harmless (paging, filters, Socket.IO transport); every other
// value is replaced, so a token or code someone puts in a URL never reaches the log.
const PLAIN_QUERY_PARAMS = new Set([
  'limit',
  'offset',
  'status',
  'from',
  'to',
  'minSize',
  'maxSize',
  'after',
  'EIO',
  'transport',
]);

/** The URL with every query value not known to be harmless replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      return eq === -1 || PLAIN_QUERY_PARAMS.has(name) ? pair : `${name}=[redacted]`;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

interface LoggedRequest {
  // Optional: the serializer also runs on whatever a caller logs under `req`.
  method?: string;
  url?: string;
  host?: string | undefined;
  ip?: string | undefined;
  socket?: { remotePort?: number | undefined } | undefined;
}

/** Pino serializers: requests are logged with method, redacted URL and peer, never headers. */
export const logSerializers = {
  req(request: LoggedRequest) {
    return {
      method: request.method,
      url: request.url === undefined ? undefined : redactUrl(request.url),
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    };
  },
};

/**
 * Log level for routes polled by machines (probes, scrapes): warnings only, or quieter when the
 * whole relay is configured quieter (a route's level would otherwise override `silent`).
 */
export function pollingLogLevel(relayLevel: Config['logLevel']): Config['logLevel'] {
  return ['error', 'fatal', 'silent'].includes(relayLevel) ? relayLevel : 'warn';
}
