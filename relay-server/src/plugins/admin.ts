import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Email, ErrorBody, Id, Role, Routes } from '../contract/index.js';
import { bearer, requireAdmin } from './auth.js';

const AdminUser = Type.Object(
  {
    id: Id,
    email: Email,
    role: Role,
    verified: Type.Boolean(),
    createdAt: Type.Integer(),
    usedBytes: Type.Integer(),
  },
  { additionalProperties: false },
);

export const adminPlugin: FastifyPluginAsyncTypebox = (app) => {
  const c = app.container;
  app.get(
    Routes.adminUsers,
    {
      onRequest: requireAdmin(c),
      schema: {
        summary: 'Administrators: accounts and their storage use',
        tags: ['admin'],
        security: bearer,
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
            offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(AdminUser) }, { additionalProperties: false }),
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (request) => {
      const accounts = await c.accounts.list(request.query.limit ?? 100, request.query.offset ?? 0);
      const items = await Promise.all(
        accounts.map(async (a) => ({
          id: a.id,
          email: a.email,
          role: a.role,
          verified: a.verified,
          createdAt: a.createdAt,
          usedBytes: await c.transfers.usedBytes(a.id),
        })),
      );
      return { items };
    },
  );
  return Promise.resolve();
};
