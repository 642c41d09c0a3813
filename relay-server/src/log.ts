import type { FastifyBaseLogger } from 'fastify';

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
];
