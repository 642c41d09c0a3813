import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuditQuery, AuditResponse, ErrorBody, Routes } from '../contract/index.js';
import { bearer, currentUser, requireUser } from './auth.js';

export const auditPlugin: FastifyPluginAsyncTypebox = (app) => {
  const c = app.container;
  app.get(
    Routes.audit,
    {
      onRequest: requireUser(c),
      schema: {
        summary: 'The caller’s own audit log, newest first',
        tags: ['audit'],
        security: bearer,
        querystring: AuditQuery,
        response: { 200: AuditResponse, 400: ErrorBody, 401: ErrorBody },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const entries = await c.audit.list(
        user.id,
        request.query.limit ?? 50,
        request.query.offset ?? 0,
      );
      return {
        items: entries.map(({ type, at, ip, transferId }) => ({ type, at, ip, transferId })),
      };
    },
  );
  return Promise.resolve();
};
