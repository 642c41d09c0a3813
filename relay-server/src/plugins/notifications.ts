import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, ErrorCode, NotificationPrefs, Routes } from '../contract/index.js';
import { AppError } from '../errors.js';
import { startTransferMail } from '../services/notify.js';
import { bearer, currentUser, requireUser } from './auth.js';

const errors = { 400: ErrorBody, 401: ErrorBody };

/** The caller's notification preferences (stored on the account record). */
export const notificationsPlugin: FastifyPluginAsyncTypebox = (app) => {
  const c = app.container;
  const auth = requireUser(c);
  const mail = startTransferMail(c, app.log);
  // Runs before the container closes the mailer (root onClose hooks run last).
  app.addHook('onClose', () => mail.stop());

  const read = async (userId: string): Promise<NotificationPrefs> => {
    const account = await c.accounts.byId(userId);
    if (account === undefined) throw new AppError(ErrorCode.AuthInvalid, 'invalid access token');
    return { emailOnNewTransfer: account.emailOnNewTransfer !== false };
  };

  app.get(
    Routes.notifications,
    {
      onRequest: auth,
      schema: {
        summary: 'The caller’s notification preferences',
        tags: ['account'],
        security: bearer,
        response: { 200: NotificationPrefs, ...errors },
      },
    },
    (request) => read(currentUser(request).id),
  );

  app.put(
    Routes.notifications,
    {
      onRequest: auth,
      schema: {
        summary: 'Set the caller’s notification preferences',
        tags: ['account'],
        security: bearer,
        body: NotificationPrefs,
        response: { 200: NotificationPrefs, ...errors },
      },
    },
    async (request) => {
      const user = currentUser(request);
      await c.accounts.update(user.id, { emailOnNewTransfer: request.body.emailOnNewTransfer });
      return read(user.id);
    },
  );
  return Promise.resolve();
};
