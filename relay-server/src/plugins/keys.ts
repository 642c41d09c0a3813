import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  Email,
  ErrorBody,
  ErrorCode,
  KeyPublicationSchema,
  PublicKeyResponse,
  Routes,
} from '../contract/index.js';
import { AppError } from '../errors.js';
import type { KeyRecord } from '../ports.js';
import { KeyVerificationError } from '../services/key-verifier.js';
import { bearer, currentUser, requireUser } from './auth.js';

// A publication dated further ahead than this is refused, so one cannot pre-empt later rotations.
const MAX_CLOCK_SKEW_MS = 10 * 60 * 1000;
const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody };

function view(email: string, history: KeyRecord[]) {
  const current = history.at(-1);
  if (current === undefined) throw new AppError(ErrorCode.NotFound, 'no published key');
  return { email, current, history };
}

export const keysPlugin: FastifyPluginAsyncTypebox = (app) => {
  const c = app.container;
  const auth = requireUser(c);

  app.put(
    Routes.publishKey,
    {
      onRequest: auth,
      schema: {
        summary: 'Publish (or rotate) the caller’s self-signed identity key; history is kept',
        tags: ['keys'],
        security: bearer,
        body: KeyPublicationSchema,
        response: { 200: PublicKeyResponse, ...errors },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const publication = request.body;
      if (publication.email !== user.email) {
        throw new AppError(
          ErrorCode.KeyEmailMismatch,
          'the publication must name the account email, in lower case',
        );
      }
      let fingerprint: string;
      try {
        fingerprint = c.keyVerifier.verify(publication);
      } catch (err) {
        if (err instanceof KeyVerificationError) {
          throw new AppError(ErrorCode.KeySignature, `key publication rejected: ${err.message}`);
        }
        throw err;
      }
      const history = await c.keys.history(user.email);
      const current = history.at(-1);
      if (current?.publication.publicIdentity === publication.publicIdentity) {
        return view(user.email, history);
      }
      if (
        publication.createdAt > c.now() + MAX_CLOCK_SKEW_MS ||
        (current !== undefined && publication.createdAt <= current.publication.createdAt)
      ) {
        throw new AppError(
          ErrorCode.KeyStale,
          'publication is older than the current key or in the future',
        );
      }
      const record: KeyRecord = { publication, fingerprint, publishedAt: c.now() };
      await c.keys.publish(user.id, record);
      await c.audit.append({
        userId: user.id,
        type: 'key_published',
        at: c.now(),
        ip: request.ip,
        transferId: null,
      });
      if (current !== undefined) c.bus.emit('key:changed', { userId: user.id, fingerprint });
      return view(user.email, [...history, record]);
    },
  );

  app.get(
    Routes.publicKey,
    {
      onRequest: auth,
      schema: {
        summary: 'Current key and full key history of a user (404 when none is published)',
        tags: ['keys'],
        security: bearer,
        params: Type.Object({ email: Email }, { additionalProperties: false }),
        response: { 200: PublicKeyResponse, ...errors },
      },
    },
    async (request) => {
      const email = request.params.email.toLowerCase();
      return view(email, await c.keys.history(email));
    },
  );
  return Promise.resolve();
};
