import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AcceptedResponse, ErrorBody, InviteBody, Routes } from '../contract/index.js';
import { bearer, currentUser, requireUser } from './auth.js';

const INVITES_PER_HOUR = 20;

export const invitePlugin: FastifyPluginAsyncTypebox = (app) => {
  const c = app.container;
  app.post(
    Routes.invite,
    {
      onRequest: requireUser(c),
      config: {
        rateLimit: {
          max: INVITES_PER_HOUR,
          timeWindow: 60 * 60 * 1000,
          hook: 'preHandler',
          keyGenerator: (request) => `invite:${currentUser(request).id}`,
        },
      },
      schema: {
        summary: 'Invite an address to DataCrypt (same answer whether or not it has an account)',
        tags: ['invite'],
        security: bearer,
        body: InviteBody,
        response: { 202: AcceptedResponse, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const email = request.body.email.toLowerCase();
      // Existing accounts get no mail: the inviter learns nothing either way, the member no spam.
      if ((await c.accounts.byEmail(email)) === undefined) {
        await c.mailer.send({
          to: email,
          subject: `${user.email} invites you to DataCrypt`,
          text: `${user.email} would like to send you end-to-end encrypted files with DataCrypt.\n\nInstall the DataCrypt app and create an account with this address to receive them.`,
        });
      }
      return reply.status(202).send({ status: 'accepted' as const });
    },
  );
  return Promise.resolve();
};
