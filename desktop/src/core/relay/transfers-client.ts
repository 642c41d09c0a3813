import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import {
  ErrorBody,
  PART_CHECKSUM_HEADER,
  PartInfo,
  PartsResponse,
  Routes,
  TransferList,
  TransferView,
  type ListQuery,
} from '@datacrypt/relay-server/contract';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { expectBody, scrub } from './http.js';
import { nodeRequest } from './node-http.js';
import type { RelayClient } from './relay-client.js';
import { RelayError } from './relay-error.js';

/**
 * The typed HTTP client of the relay's transfer routes: create, streamed part uploads with their
 * SHA-256, the list of stored parts (resume), finalize, inbox/sent, one transfer, ranged
 * downloads, receipts, revoke, hide, and the realtime catch-up (`GET /api/events`). It rides on a
 * logged-in RelayClient (its access token, refresh and timeouts).
 * @module
 */

/**
 * What `create` asks of the relay.
 * @example
 * const t = await transfers.create({ recipients: ['bob@example.com'], size: 1234567 });
 */
export interface CreateTransferInput {
  recipients: readonly string[];
  /** Exact ciphertext size in bytes. */
  size: number;
  /** Part size (the relay's default when omitted; it enforces its own bounds: E_PART_SIZE). */
  partSize?: number | undefined;
  expiresInSeconds?: number | undefined;
  maxDownloads?: number | undefined;
}

/**
 * One catch-up event as the relay keeps it (interfaces.md: RealtimeEnvelope).
 * @example
 * const { events, cursor } = await transfers.events({ after: lastCursor });
 */
export const EventEnvelope = Type.Object({
  cursor: Type.String(),
  event: Type.String(),
  payload: Type.Record(Type.String(), Type.Unknown()),
  at: Type.Number(),
});
export type EventEnvelope = Static<typeof EventEnvelope>;

const EventsPage = Type.Object({
  events: Type.Array(EventEnvelope),
  cursor: Type.Union([Type.String(), Type.Null()]),
});
/** One page of catch-up events and the cursor to continue from (null: none yet). */
export type EventsPage = Static<typeof EventsPage>;

/** Streamed calls idle longer than this fail (a relay or network that stopped answering). */
const IDLE_TIMEOUT_MS = 120_000;
/** Longest error body read from a streamed call. */
const MAX_ERROR_BODY = 64 * 1024;
/** What `raw` returns: status, headers and the body as a stream. */
interface BulkResponse {
  status: number;
  header(name: string): string | undefined;
  body: IncomingMessage;
  text(): Promise<string>;
}

function fill(route: string, params: Record<string, string | number>): string {
  let path = route;
  for (const [name, value] of Object.entries(params)) {
    path = path.replace(`:${name}`, encodeURIComponent(String(value)));
  }
  return path;
}

function query(q: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) search.set(k, String(v));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * A ranged download in progress: the body as a stream of bytes, and which bytes it holds.
 * @example
 * const d = await transfers.download(id, { start: 1024 });
 * for await (const bytes of d.body) out.write(bytes);
 */
export interface DownloadStream {
  /** First byte offset of the body within the ciphertext. */
  start: number;
  /** Total ciphertext size. */
  totalSize: number;
  body: AsyncIterable<Uint8Array>;
  /** Stops the download early (frees the connection). */
  abort(): void;
}

/**
 * A download body whose failures are coded like the request's: a connection cut mid-body (the
 * relay stopped, or a live download's sender stalled longer than the relay waits) is E_NETWORK,
 * unless the caller aborted it.
 */
async function* codedBody(
  body: AsyncIterable<Uint8Array>,
  route: string,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  try {
    yield* body;
  } catch (error) {
    if (signal.aborted) throw error;
    throw new RelayError('E_NETWORK', `GET ${route}: the download was cut`, {
      status: null,
      route,
      cause: error,
    });
  }
}

/**
 * The transfer routes of one relay session.
 * @example
 * const transfers = new TransfersClient(relayClient);
 * const t = await transfers.create({ recipients: [bob], size });
 * await transfers.uploadPart(t.id, 1, createReadStream(spool, { start: 0, end: size - 1 }), size, sha);
 * await transfers.finalize(t.id);
 */
export class TransfersClient {
  constructor(private readonly relay: RelayClient) {}

  /** The relay's base URL. */
  get relayUrl(): string {
    return this.relay.relayUrl;
  }

  /**
   * Creates a transfer (status `uploading`). E_RECIPIENT_NO_KEY, E_QUOTA_EXCEEDED,
   * E_TRANSFER_TOO_LARGE, E_PART_SIZE, E_EXPIRY_TOO_LONG from the relay.
   */
  async create(input: CreateTransferInput): Promise<TransferView> {
    const body: Record<string, unknown> = { recipients: [...input.recipients], size: input.size };
    if (input.partSize !== undefined) body.partSize = input.partSize;
    if (input.expiresInSeconds !== undefined) body.expiresInSeconds = input.expiresInSeconds;
    if (input.maxDownloads !== undefined) body.maxDownloads = input.maxDownloads;
    const answer = await this.relay.authorizedCall({
      method: 'POST',
      route: Routes.createTransfer,
      body,
    });
    return expectBody(TransferView, answer.body, Routes.createTransfer);
  }

  /**
   * Uploads part `n` (1-based) from a fresh stream per attempt (`open`), exactly `size` bytes
   * whose SHA-256 is `sha256` (hex); the relay checks both (E_PART_SIZE, E_PART_CHECKSUM).
   * Idempotent on the relay. A rejected access token is refreshed once and the part re-sent.
   */
  async uploadPart(
    transferId: string,
    n: number,
    open: () => Readable,
    size: number,
    sha256: string,
    signal?: AbortSignal,
  ): Promise<Static<typeof PartInfo>> {
    const route = Routes.uploadPart;
    const path = fill(route, { transferId, n });
    const send = (token: string) =>
      this.raw(
        'PUT',
        route,
        path,
        token,
        signal,
        {
          'content-type': 'application/octet-stream',
          'content-length': String(size),
          [PART_CHECKSUM_HEADER]: sha256,
        },
        open(),
      );
    const body = await this.withToken(send);
    return expectBody(PartInfo, JSON.parse(await body.text()) as unknown, route);
  }

  /** The parts the relay stored so far (to resume an upload). Sender only. */
  async listParts(transferId: string): Promise<PartsResponse> {
    const route = Routes.listParts;
    const { body } = await this.relay.authorizedCall({
      method: 'GET',
      route,
      path: fill(route, { transferId }),
    });
    return expectBody(PartsResponse, body, route);
  }

  /** Completes the upload (idempotent); E_PARTS_MISSING lists what is missing. */
  async finalize(transferId: string): Promise<TransferView> {
    const route = Routes.finalize;
    const { body } = await this.relay.authorizedCall({
      method: 'POST',
      route,
      path: fill(route, { transferId }),
    });
    return expectBody(TransferView, body, route);
  }

  /** Finalized transfers addressed to the session's user, newest first. */
  async inbox(q: ListQuery = {}): Promise<TransferList> {
    return this.list(Routes.inbox, q);
  }

  /** Transfers the session's user created, newest first. */
  async sent(q: ListQuery = {}): Promise<TransferList> {
    return this.list(Routes.sent, q);
  }

  private async list(route: string, q: ListQuery): Promise<TransferList> {
    const { body } = await this.relay.authorizedCall({
      method: 'GET',
      route,
      path: route + query({ ...q }),
    });
    return expectBody(TransferList, body, route);
  }

  /** One transfer (sender, or recipient once finalized); E_NOT_FOUND otherwise. */
  async get(transferId: string): Promise<TransferView> {
    const route = Routes.transfer;
    const { body } = await this.relay.authorizedCall({
      method: 'GET',
      route,
      path: fill(route, { transferId }),
    });
    return expectBody(TransferView, body, route);
  }

  /**
   * Starts downloading the ciphertext from byte `start` (HTTP Range). A download is counted by the
   * relay when it starts at 0 (E_DOWNLOAD_LIMIT when over the limit); E_GONE once expired.
   */
  async download(
    transferId: string,
    options: { start?: number; signal?: AbortSignal } = {},
  ): Promise<DownloadStream> {
    const route = Routes.download;
    const path = fill(route, { token: transferId });
    const start = options.start ?? 0;
    const controller = new AbortController();
    const signal =
      options.signal === undefined
        ? controller.signal
        : AbortSignal.any([controller.signal, options.signal]);
    const response = await this.withToken((token) =>
      this.raw('GET', route, path, token, signal, start > 0 ? { range: `bytes=${start}-` } : {}),
    );
    let totalSize: number;
    let first = 0;
    if (response.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/u.exec(response.header('content-range') ?? '');
      if (m === null) throw this.protocol(route, 'a partial answer without a Content-Range');
      first = Number(m[1]);
      totalSize = Number(m[3]);
    } else {
      totalSize = Number(response.header('content-length') ?? NaN);
    }
    if (!Number.isSafeInteger(totalSize) || first !== start) {
      response.body.destroy();
      throw this.protocol(route, 'the download does not start where it was asked to');
    }
    return {
      start,
      totalSize,
      body: codedBody(response.body, route, signal),
      abort: () => {
        controller.abort();
        response.body.destroy();
      },
    };
  }

  /** Posts the recipient's signed receipt (base64url signature). */
  async receipt(transferId: string, signature: string): Promise<void> {
    const route = Routes.receipt;
    await this.relay.authorizedCall({
      method: 'POST',
      route,
      path: fill(route, { transferId }),
      body: { signature },
    });
  }

  /** Sender revokes (or cancels) a transfer: the relay deletes ciphertext and record. */
  async revoke(transferId: string): Promise<void> {
    const route = Routes.transfer;
    await this.relay.authorizedCall({
      method: 'DELETE',
      route,
      path: fill(route, { transferId }),
    });
  }

  /** Recipient removes the transfer from their inbox. */
  async hide(transferId: string): Promise<void> {
    const route = Routes.hide;
    await this.relay.authorizedCall({ method: 'POST', route, path: fill(route, { transferId }) });
  }

  /**
   * Catch-up: the session's events after `after` (all kept ones when null), oldest first.
   * E_NOT_FOUND from a relay without realtime.
   */
  async events(options: { after?: string | null; limit?: number } = {}): Promise<EventsPage> {
    const route = Routes.events;
    const { body } = await this.relay.authorizedCall({
      method: 'GET',
      route,
      path: route + query({ after: options.after ?? undefined, limit: options.limit }),
    });
    return expectBody(EventsPage, body, route);
  }

  private protocol(route: string, detail: string): RelayError {
    return new RelayError('E_PROTOCOL', `${route}: ${detail}`, { status: null, route });
  }

  /** Runs a raw call with the session's token; on E_AUTH_INVALID refreshes once and retries. */
  private async withToken(send: (token: string) => Promise<BulkResponse>): Promise<BulkResponse> {
    try {
      return await send(await this.relay.sessionAccessToken());
    } catch (error) {
      if (!(error instanceof RelayError) || error.code !== 'E_AUTH_INVALID') throw error;
    }
    await this.relay.refresh();
    return send(await this.relay.sessionAccessToken());
  }

  /**
   * One streamed call over node:http(s) (on this 2-core reference machine undici's fetch costs
   * about twice the CPU per byte for bulk bodies); a status >= 400 becomes the relay's RelayError.
   */
  private async raw(
    method: 'GET' | 'PUT',
    route: string,
    path: string,
    token: string,
    signal: AbortSignal | undefined,
    headers: Record<string, string>,
    body?: Readable,
  ): Promise<BulkResponse> {
    const settings = this.relay.httpSettings;
    let response: IncomingMessage;
    try {
      ({ response } = await nodeRequest(new URL(settings.baseUrl + path), {
        method,
        headers: { ...headers, authorization: `Bearer ${token}` },
        signal,
        body,
        idleTimeoutMs: IDLE_TIMEOUT_MS,
      }));
    } catch (error) {
      if (signal?.aborted === true) throw error;
      throw new RelayError(
        'E_NETWORK',
        `${method} ${route}: cannot reach the relay at ${settings.baseUrl}`,
        { status: null, route, cause: error },
      );
    }
    response.setTimeout(IDLE_TIMEOUT_MS, () => {
      response.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS} ms`));
    });
    const status = response.statusCode ?? 0;
    const text = async (): Promise<string> => {
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of response as AsyncIterable<Buffer>) {
        length += chunk.length;
        if (length > MAX_ERROR_BODY) break;
        chunks.push(chunk);
      }
      return Buffer.concat(chunks).toString('utf8');
    };
    const header = (name: string): string | undefined => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    if (status >= 400) {
      const raw = await text().catch(() => '');
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw) as unknown;
      } catch {
        parsed = undefined;
      }
      if (Value.Check(ErrorBody, parsed)) {
        throw new RelayError(
          parsed.error.code,
          `${method} ${route}: ${scrub(parsed.error.message, [token])} (HTTP ${String(status)})`,
          { status, route },
        );
      }
      throw new RelayError(
        'E_PROTOCOL',
        `${method} ${route}: HTTP ${String(status)} without a DataCrypt error body`,
        { status, route },
      );
    }
    return { status, header, body: response, text };
  }
}
