import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyBaseLogger } from 'fastify';
import type { Container } from '../container.js';
import {
  CreateTransferBody,
  DownloadParams,
  ErrorBody,
  ErrorCode,
  ListQuery,
  PART_CHECKSUM_HEADER,
  PartInfo,
  PartParams,
  PartsResponse,
  ReceiptBody,
  Routes,
  TransferIdParams,
  TransferList,
  TransferView,
} from '../contract/index.js';
import { AppError } from '../errors.js';
import { BlobIntegrityError, type AuditRecord, type TransferRecord } from '../ports.js';
import { newId } from '../services/crypto.js';
import {
  LiveDownloadEnded,
  liveDownload,
  servesLive,
  waitForLivePart,
} from '../services/live-download.js';
import { finishDeletion } from '../services/sweeper.js';
import { parseRange, partLength, toView } from '../services/transfer-view.js';
import { bearer, currentUser, requireUser, type AuthUser } from './auth.js';

const MAX_PARTS = 10_000;
const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  410: ErrorBody,
  413: ErrorBody,
  422: ErrorBody,
  503: ErrorBody,
};

function storageError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError(ErrorCode.Storage, 'blob storage is unavailable, retry later');
}

/**
 * The client may vanish while earlier hooks are still awaiting the database, before anyone listens
 * to the body; then the body would neither end nor fail. Destroying it makes the store give up.
 */
function failOnDisconnect(raw: IncomingMessage): () => void {
  const gone = () => {
    if (!raw.complete) raw.destroy(new Error('client disconnected during upload'));
  };
  if (raw.socket.destroyed) {
    gone();
    return () => undefined;
  }
  // 'end' matters too: a client that half-closes mid-body leaves the socket open.
  raw.socket.once('close', gone);
  raw.socket.once('end', gone);
  raw.once('aborted', gone);
  return () => {
    raw.socket.off('close', gone);
    raw.socket.off('end', gone);
    raw.off('aborted', gone);
  };
}

type Role = 'sender' | 'recipient';

// Streams bypass serialization; the schema only documents the body for OpenAPI.
const ciphertext = Type.Unsafe<Readable>({
  type: 'string',
  format: 'binary',
  description: 'ciphertext bytes',
});

const revokedError = () => new AppError(ErrorCode.Revoked, 'the sender revoked this transfer');
const closedError = () =>
  new AppError(
    ErrorCode.TransferState,
    'the upload is being finalized; its parts can no longer change',
  );

/**
 * Loads a transfer the user may see. Strangers get the same 404 as for a missing id, so ids leak
 * nothing. Recipients see a transfer once it is finalized, or (`live`: viewing, downloading,
 * acknowledging) from its creation when the relay serves uploads live. Its sender and recipients
 * get 410: E_REVOKED once the sender revoked it (until it would have expired), E_GONE while an
 * expired transfer waits for the sweeper.
 */
async function load(
  c: Container,
  id: string,
  user: AuthUser,
  live = false,
): Promise<[TransferRecord, Role]> {
  const t = await c.transfers.get(id);
  if (t !== undefined) {
    const visible = t.status === 'ready' || (live && servesLive(c));
    const role: Role | undefined =
      t.senderId === user.id
        ? 'sender'
        : visible && t.recipients.some((x) => x.userId === user.id)
          ? 'recipient'
          : undefined;
    if (role !== undefined) {
      if (t.revokedAt !== null) throw revokedError();
      if (t.deleting) throw new AppError(ErrorCode.Gone, 'transfer has expired');
      return [t, role];
    }
  }
  throw new AppError(ErrorCode.NotFound, 'no such transfer');
}

/** Part numbers (at most 20) not stored yet, and the bytes stored. */
function missingParts(t: TransferRecord, parts: readonly { n: number; size: number }[]) {
  const have = new Set(parts.map((p) => p.n));
  const missing: number[] = [];
  for (let n = 1; n <= t.partCount && missing.length < 20; n++) if (!have.has(n)) missing.push(n);
  const stored = parts.reduce((sum, p) => sum + p.size, 0);
  if (missing.length > 0 || stored !== t.size) {
    return new AppError(
      ErrorCode.PartsMissing,
      `parts missing: ${missing.join(', ')} (stored ${stored} of ${t.size} bytes)`,
    );
  }
  return null;
}

function only(role: Role, wanted: Role): void {
  if (role !== wanted) throw new AppError(ErrorCode.Forbidden, `only the ${wanted} may do this`);
}

export const transfersPlugin: FastifyPluginAsyncTypebox = (app) => {
  const c = app.container;
  const auth = requireUser(c);
  const audit = (userId: string, type: AuditRecord['type'], ip: string, transferId: string) =>
    c.audit.append({ userId, type, at: c.now(), ip, transferId });

  /** The transfer as it is now, when it was revoked or deleted meanwhile; undefined if live. */
  const revokedMeanwhile = async (id: string) => {
    const now = await c.transfers.get(id);
    return now === undefined || now.deleting || now.revokedAt !== null
      ? { revoked: now?.revokedAt != null }
      : undefined;
  };
  /**
   * Deletes what a part upload or finalize stored for a transfer revoked (or expired) meanwhile;
   * returns the error to answer. The record is marked blob-delete-pending first, so if the store
   * fails now the sweeper retries until the blob is gone.
   */
  const discardRevoked = async (
    t: TransferRecord,
    gone: { revoked: boolean },
    log: FastifyBaseLogger,
  ) => {
    try {
      await c.transfers.markDeleting(t.id);
      const current = await c.transfers.get(t.id);
      if (current !== undefined) await finishDeletion(c, current);
      else await c.blobs.delete(t.id, t.blobHandle);
    } catch (err) {
      log.warn(
        { err, transferId: t.id },
        'blob of a revoked transfer not deleted yet; sweeper retries',
      );
    }
    return gone.revoked
      ? revokedError()
      : new AppError(ErrorCode.Gone, 'the transfer expired meanwhile');
  };

  /** Removes the empty upload begun for a record that was not created. */
  const discardEmpty = async (id: string, handle: string | null, log: FastifyBaseLogger) => {
    await c.blobs.delete(id, handle).catch((err: unknown) => {
      log.warn({ err, transferId: id }, 'empty upload left in blob store');
    });
  };

  // Part bodies are handed to the blob store as a stream; they are never buffered whole.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => {
    done(null, payload);
  });

  app.post(
    Routes.createTransfer,
    {
      onRequest: auth,
      schema: {
        summary: 'Create a transfer to recipients with published keys; upload parts next',
        tags: ['transfers'],
        security: bearer,
        body: CreateTransferBody,
        response: { 201: TransferView, ...errors },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const cfg = c.config;
      const body = request.body;
      if (body.size > cfg.maxTransferBytes) {
        throw new AppError(
          ErrorCode.TransferTooLarge,
          `transfers are limited to ${cfg.maxTransferBytes} bytes`,
        );
      }
      const partSize =
        body.partSize ?? Math.min(cfg.maxPartSize, Math.max(cfg.minPartSize, DEFAULT_PART_SIZE));
      const partCount = Math.ceil(body.size / partSize);
      if (partSize < cfg.minPartSize || partSize > cfg.maxPartSize || partCount > MAX_PARTS) {
        throw new AppError(
          ErrorCode.PartSize,
          `partSize must be within ${cfg.minPartSize}..${cfg.maxPartSize} and give at most ${MAX_PARTS} parts`,
        );
      }
      const expiresIn = body.expiresInSeconds ?? cfg.defaultExpirySeconds;
      if (expiresIn > cfg.maxExpirySeconds) {
        throw new AppError(
          ErrorCode.ExpiryTooLong,
          `expiry is limited to ${cfg.maxExpirySeconds} s`,
        );
      }
      const recipients = [...new Set(body.recipients.map((e) => e.toLowerCase()))];
      const withKeys = await c.keys.withKeys(recipients);
      const missing = recipients.filter((e) => !withKeys.has(e));
      if (missing.length > 0) {
        // The key directory already answers "has a key?" per address, so naming them adds nothing.
        throw new AppError(ErrorCode.RecipientNoKey, `no published key for: ${missing.join(', ')}`);
      }
      const accounts = await Promise.all(recipients.map((e) => c.accounts.byEmail(e)));
      const recipientRecords = accounts.map((a, i) => {
        if (a === undefined) {
          throw new AppError(
            ErrorCode.RecipientNoKey,
            `no published key for: ${recipients[i] ?? ''}`,
          );
        }
        return { userId: a.id, email: a.email, hidden: false, downloadedAt: null, receipt: null };
      });
      const overQuota = async () => {
        const used = await c.transfers.usedBytes(user.id);
        return new AppError(
          ErrorCode.QuotaExceeded,
          `storage quota exceeded: ${used} of ${cfg.quotaBytes} bytes in use`,
        );
      };
      // Early answer without touching the blob store; `create` below is the atomic check.
      if ((await c.transfers.usedBytes(user.id)) + body.size > cfg.quotaBytes)
        throw await overQuota();
      const id = newId();
      let handle: string | null;
      try {
        handle = await c.blobs.begin(id);
      } catch (err) {
        throw storageError(err);
      }
      const now = c.now();
      const record: TransferRecord = {
        id,
        senderId: user.id,
        senderEmail: user.email,
        size: body.size,
        partSize,
        partCount,
        status: 'uploading',
        deleting: false,
        revokedAt: null,
        finalizingAt: null,
        createdAt: now,
        finalizedAt: null,
        expiresAt: now + expiresIn * 1000,
        maxDownloads: body.maxDownloads ?? null,
        downloads: 0,
        blobHandle: handle,
        recipients: recipientRecords,
      };
      let created: boolean;
      try {
        created = await c.transfers.create(record, cfg.quotaBytes);
      } catch (err) {
        await discardEmpty(id, handle, request.log);
        throw err;
      }
      if (!created) {
        await discardEmpty(id, handle, request.log);
        throw await overQuota();
      }
      await audit(user.id, 'transfer_created', request.ip, id);
      if (servesLive(c)) {
        c.bus.emit('transfer:incoming', {
          transferId: id,
          senderId: user.id,
          recipientIds: recipientRecords.map((r) => r.userId),
          size: body.size,
        });
      }
      return reply.status(201).send(toView(record, user.id, now));
    },
  );

  app.put(
    Routes.uploadPart,
    {
      onRequest: auth,
      schema: {
        summary: `Upload part n (raw application/octet-stream; header ${PART_CHECKSUM_HEADER}: hex SHA-256). Idempotent.`,
        tags: ['transfers'],
        security: bearer,
        params: PartParams,
        headers: Type.Object({
          [PART_CHECKSUM_HEADER]: Type.String({ pattern: '^[0-9a-f]{64}$' }),
        }),
        response: { 200: PartInfo, ...errors },
      },
    },
    async (request) => {
      if (request.headers['content-type'] !== 'application/octet-stream') {
        throw new AppError(ErrorCode.UnsupportedMediaType, 'parts are application/octet-stream');
      }
      const user = currentUser(request);
      const [t, role] = await load(c, request.params.transferId, user);
      only(role, 'sender');
      if (t.status !== 'uploading')
        throw new AppError(ErrorCode.TransferState, 'transfer is already finalized');
      if (t.finalizingAt !== null) throw closedError();
      if (t.expiresAt <= c.now()) throw new AppError(ErrorCode.Gone, 'transfer has expired');
      const n = request.params.n;
      if (n > t.partCount)
        throw new AppError(ErrorCode.PartNumber, `part numbers run 1..${t.partCount}`);
      const size = partLength(t, n);
      const declared = request.headers['content-length'];
      if (declared !== undefined && Number(declared) !== size) {
        throw new AppError(ErrorCode.PartSize, `part ${n} must be exactly ${size} bytes`);
      }
      const sha256 = request.headers[PART_CHECKSUM_HEADER];
      const body = request.body as Readable;
      const stopWatching = failOnDisconnect(request.raw);
      let etag: string;
      try {
        ({ etag } = await c.blobs.putPart(t.id, t.blobHandle, n, body, { size, sha256 }));
      } catch (err) {
        if (err instanceof BlobIntegrityError) {
          throw new AppError(
            err.reason === 'size' ? ErrorCode.PartSize : ErrorCode.PartChecksum,
            err.message,
          );
        }
        // A revoke during the body may have pulled the blob out from under the store. Checked
        // before the disconnect case: whatever stored part the revoke missed must go either way.
        const gone = await revokedMeanwhile(t.id);
        if (gone !== undefined) throw await discardRevoked(t, gone, request.log);
        // The client went away mid-body (nobody to answer). Not `raw.destroyed`: a fully received
        // body is auto-destroyed too, and a store failing after that is a 503, not a 500.
        if (!request.raw.complete) throw err;
        throw storageError(err);
      } finally {
        stopWatching();
      }
      if (!(await c.transfers.putPart(t.id, { n, size, sha256, etag }))) {
        // Revoked while the body streamed: the revoke's blob delete may have run before this part
        // landed, so delete again.
        const gone = await revokedMeanwhile(t.id);
        if (gone !== undefined) throw await discardRevoked(t, gone, request.log);
        // Closed by finalize while the body streamed: finalize uses the versions recorded before
        // it began, so this one is dropped and never replaces a byte of the transfer.
        await c.blobs.discardPart?.(t.id, t.blobHandle, n, etag).catch((err: unknown) => {
          request.log.warn({ err, transferId: t.id }, 'unrecorded part version left until delete');
        });
        throw closedError();
      }
      return { n, size, sha256 };
    },
  );

  app.get(
    Routes.listParts,
    {
      onRequest: auth,
      schema: {
        summary: 'Parts stored so far (to resume an upload)',
        tags: ['transfers'],
        security: bearer,
        params: TransferIdParams,
        response: { 200: PartsResponse, ...errors },
      },
    },
    async (request) => {
      const [t, role] = await load(c, request.params.transferId, currentUser(request));
      only(role, 'sender');
      const parts = await c.transfers.parts(t.id);
      return {
        partSize: t.partSize,
        partCount: t.partCount,
        parts: parts.map(({ n, size, sha256 }) => ({ n, size, sha256 })),
      };
    },
  );

  app.post(
    Routes.finalize,
    {
      onRequest: auth,
      schema: {
        summary: 'Complete the upload; recipients see the transfer from now on',
        tags: ['transfers'],
        security: bearer,
        params: TransferIdParams,
        response: { 200: TransferView, ...errors },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const [t, role] = await load(c, request.params.transferId, user);
      only(role, 'sender');
      if (t.status === 'ready') return toView(t, user.id, c.now());
      if (t.expiresAt <= c.now()) throw new AppError(ErrorCode.Gone, 'transfer has expired');
      if (t.finalizingAt === null) {
        // Missing parts are answered without closing the upload, so the client can still send them.
        const early = missingParts(t, await c.transfers.parts(t.id));
        if (early !== null) throw early;
        // From here on no part write can be recorded: the parts read below are final.
        if (!(await c.transfers.beginFinalize(t.id, c.now()))) {
          const gone = await revokedMeanwhile(t.id);
          if (gone !== undefined)
            throw gone.revoked
              ? revokedError()
              : new AppError(ErrorCode.Gone, 'transfer has expired');
          const now = await c.transfers.get(t.id);
          if (now?.status === 'ready') return toView(now, user.id, c.now());
          // Else another finalize call began first; finishing it here too is idempotent.
        }
      }
      const parts = await c.transfers.parts(t.id);
      const incomplete = missingParts(t, parts);
      if (incomplete !== null) throw incomplete;
      try {
        await c.blobs.complete(t.id, t.blobHandle, parts, t);
      } catch (err) {
        const gone = await revokedMeanwhile(t.id);
        if (gone !== undefined) throw await discardRevoked(t, gone, request.log);
        const now = await c.transfers.get(t.id);
        if (now?.status === 'ready') return toView(now, user.id, c.now());
        throw storageError(err);
      }
      if (!(await c.transfers.finalize(t.id, c.now()))) {
        // A revoke's blob delete may have run before `complete` created the object: delete it.
        const gone = await revokedMeanwhile(t.id);
        if (gone !== undefined) throw await discardRevoked(t, gone, request.log);
        const now = await c.transfers.get(t.id);
        // A concurrent finalize of the same upload won: same parts, same result.
        if (now?.status === 'ready') return toView(now, user.id, c.now());
        throw new AppError(ErrorCode.TransferState, 'transfer changed during finalize');
      }
      const ready = await c.transfers.get(t.id);
      if (ready === undefined) throw new AppError(ErrorCode.NotFound, 'no such transfer');
      c.bus.emit('transfer:new', {
        transferId: t.id,
        senderId: t.senderId,
        recipientIds: t.recipients.map((r) => r.userId),
        size: t.size,
      });
      return toView(ready, user.id, c.now());
    },
  );

  for (const [path, box] of [
    [Routes.inbox, 'inbox'],
    [Routes.sent, 'sent'],
  ] as const) {
    app.get(
      path,
      {
        onRequest: auth,
        schema: {
          summary:
            box === 'inbox'
              ? 'Finalized transfers addressed to the caller, newest first'
              : 'Transfers the caller created, newest first',
          tags: ['transfers'],
          security: bearer,
          querystring: ListQuery,
          response: { 200: TransferList, ...errors },
        },
      },
      async (request) => {
        const user = currentUser(request);
        const q = request.query;
        const filter = { ...q, limit: q.limit ?? 50, offset: q.offset ?? 0 };
        const now = c.now();
        const { items, total } =
          box === 'inbox'
            ? await c.transfers.listInbox(user.id, filter, now)
            : await c.transfers.listSent(user.id, filter, now);
        const next = filter.offset + items.length;
        return {
          items: items.map((t) => toView(t, user.id, now)),
          total,
          nextOffset: next < total ? next : null,
        };
      },
    );
  }

  app.get(
    Routes.transfer,
    {
      onRequest: auth,
      schema: {
        summary: 'One transfer (sender, or recipient once finalized or, on a live relay, created)',
        tags: ['transfers'],
        security: bearer,
        params: TransferIdParams,
        response: { 200: TransferView, ...errors },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const [t] = await load(c, request.params.transferId, user, true);
      return toView(t, user.id, c.now());
    },
  );

  app.get(
    Routes.download,
    {
      onRequest: auth,
      schema: {
        summary:
          'Download the ciphertext (token = transfer id); supports one HTTP Range. On a live relay a recipient may start while the sender uploads: parts stream as they arrive',
        tags: ['transfers'],
        security: bearer,
        params: DownloadParams,
        response: {
          200: ciphertext,
          206: ciphertext,
          416: ErrorBody,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const [t, role] = await load(c, request.params.token, user, true);
      const live = t.status !== 'ready';
      if (live && role === 'sender') {
        throw new AppError(ErrorCode.TransferState, 'upload not finalized');
      }
      if (t.expiresAt <= c.now()) throw new AppError(ErrorCode.Gone, 'transfer has expired');
      const range = parseRange(request.headers.range, t.size);
      if (range === 'unsatisfiable') {
        throw new AppError(ErrorCode.RangeNotSatisfiable, 'range starts past the end', {
          'content-range': `bytes */${t.size}`,
        });
      }
      const start = range?.start ?? 0;
      const end = range?.end ?? t.size - 1;
      // Live: the first part must be there before the download counts (a limit of one download
      // is not used up by a wait that ends without a byte) and before the answer starts.
      let firstEtag: string | undefined;
      if (live) {
        try {
          firstEtag = await waitForLivePart(
            c,
            t,
            Math.floor(start / t.partSize) + 1,
            // The socket, not the request: a request without a body may count as destroyed once
            // it has been read, while its client still waits for the answer.
            () => request.raw.socket.destroyed,
          );
        } catch (err) {
          if (!(err instanceof LiveDownloadEnded)) throw storageError(err);
          if (err.reason === 'revoked') throw revokedError();
          if (err.reason === 'gone') throw new AppError(ErrorCode.Gone, 'transfer has expired');
          throw new AppError(ErrorCode.TransferState, err.message);
        }
        if (firstEtag === undefined) {
          throw new AppError(ErrorCode.TransferState, 'the client went away while waiting');
        }
      }
      if (role === 'recipient') {
        const me = t.recipients.find((r) => r.userId === user.id);
        // A download is counted when it starts at byte 0; resuming further in needs a started one.
        if (start === 0) {
          if (!(await c.transfers.recordDownload(t.id, user.id, c.now()))) {
            if ((await revokedMeanwhile(t.id))?.revoked === true) throw revokedError();
            throw new AppError(ErrorCode.DownloadLimit, 'download limit reached');
          }
          await audit(user.id, 'transfer_downloaded', request.ip, t.id);
          // The sender learns that and when, not from where: the recipient's address stays theirs.
          await c.audit.append({
            userId: t.senderId,
            type: 'transfer_downloaded',
            at: c.now(),
            ip: null,
            transferId: t.id,
          });
          c.bus.emit('transfer:downloaded', {
            transferId: t.id,
            senderId: t.senderId,
            recipientId: user.id,
          });
        } else if (me?.downloadedAt == null) {
          throw new AppError(ErrorCode.DownloadLimit, 'start the download at byte 0 first');
        }
      }
      let stream: Readable;
      try {
        stream =
          firstEtag !== undefined
            ? liveDownload(c, t, start, end, firstEtag)
            : await c.blobs.read(t.id, t, start, end);
      } catch (err) {
        throw storageError(err);
      }
      reply
        .header('content-type', 'application/octet-stream')
        .header('accept-ranges', 'bytes')
        .header('content-length', String(end - start + 1))
        .header('cache-control', 'no-store');
      if (range !== null) {
        reply.status(206).header('content-range', `bytes ${start}-${end}/${t.size}`);
      }
      return reply.send(stream);
    },
  );

  app.post(
    Routes.receipt,
    {
      onRequest: auth,
      schema: {
        summary: 'Recipient acknowledges with an opaque signature the sender verifies',
        tags: ['transfers'],
        security: bearer,
        params: TransferIdParams,
        body: ReceiptBody,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      // Live: a recipient can verify the whole transfer before the sender's finalize lands.
      const [t, role] = await load(c, request.params.transferId, user, true);
      only(role, 'recipient');
      if (t.recipients.find((r) => r.userId === user.id)?.downloadedAt == null) {
        throw new AppError(
          ErrorCode.TransferState,
          'download the transfer before acknowledging it',
        );
      }
      await c.transfers.setReceipt(t.id, user.id, request.body.signature, c.now());
      c.bus.emit('transfer:receipt', {
        transferId: t.id,
        senderId: t.senderId,
        recipientId: user.id,
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    Routes.hide,
    {
      onRequest: auth,
      schema: {
        summary: 'Recipient removes the transfer from their inbox',
        tags: ['transfers'],
        security: bearer,
        params: TransferIdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const [t, role] = await load(c, request.params.transferId, user);
      only(role, 'recipient');
      await c.transfers.hide(t.id, user.id);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    Routes.transfer,
    {
      onRequest: auth,
      schema: {
        summary:
          'Sender revokes (or cancels) a transfer: never served again (410 E_REVOKED), ciphertext deleted',
        tags: ['transfers'],
        security: bearer,
        params: TransferIdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const [t, role] = await load(c, request.params.transferId, user);
      only(role, 'sender');
      const revokedAt = c.now();
      // One write revokes (never served again) and marks the blob for deletion; the rest can fail.
      if (!(await c.transfers.revoke(t.id, revokedAt))) throw revokedError();
      try {
        await finishDeletion(c, { ...t, deleting: true, revokedAt });
      } catch (err) {
        request.log.warn({ err, transferId: t.id }, 'blob delete pending; the sweeper retries');
      }
      await audit(user.id, 'transfer_revoked', request.ip, t.id);
      // On a live relay, recipients may have heard of it (and be downloading) before finalize.
      if (t.status === 'ready' || servesLive(c)) {
        c.bus.emit('transfer:revoked', {
          transferId: t.id,
          senderId: t.senderId,
          recipientIds: t.recipients.map((r) => r.userId),
        });
      }
      return reply.status(204).send(null);
    },
  );
  return Promise.resolve();
};
