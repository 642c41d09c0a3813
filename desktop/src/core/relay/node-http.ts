import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';

/**
 * The relay client's HTTP over node:http(s), shared by the JSON calls and the bulk transfers.
 *
 * Why not the global fetch: Node's fetch is undici, whose HTTP parser is WebAssembly. Its first
 * use compiles that module, and V8's optimizing tier-up of it allocates ~25 MB for a moment (seen
 * as a jump of the peak RSS of an idle logged-in client from ~97 to ~122 MB); node:http's parser is
 * native. For bulk bodies undici also costs about twice the CPU per byte on the reference machine.
 * @module
 */

/** Keep-alive agents: one connection pool per protocol for every client in the process. */
const HTTP_AGENT = new HttpAgent({ keepAlive: true });
const HTTPS_AGENT = new HttpsAgent({ keepAlive: true });

/**
 * The subset of `fetch` the JSON calls use; the global fetch satisfies it too (tests may pass it).
 * @example
 * const res = await jsonFetch('http://127.0.0.1:8787/api/me', { method: 'GET', headers: {}, body: null, redirect: 'error', signal });
 */
export type JsonFetch = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body: string | null;
    redirect: 'error';
    signal: AbortSignal;
  },
) => Promise<{ status: number; text: () => Promise<string> }>;

/**
 * Starts one request on the shared agents and resolves with the response head. `body` is sent
 * whole (a string) or piped (a stream, destroyed with the request on failure); with
 * `idleTimeoutMs` a request that sends or receives nothing for that long fails. Transport failures
 * reject with the socket's error (its `code` kept).
 * @example
 * const { response } = await nodeRequest(new URL(url), { method: 'GET', headers: {} });
 */
export function nodeRequest(
  url: URL,
  options: {
    method: string;
    headers: Record<string, string>;
    signal?: AbortSignal | undefined;
    body?: string | Readable | undefined;
    idleTimeoutMs?: number | undefined;
  },
): Promise<{ response: IncomingMessage; abort: () => void }> {
  const secure = url.protocol === 'https:';
  const { body, idleTimeoutMs } = options;
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(
      url,
      {
        method: options.method,
        agent: secure ? HTTPS_AGENT : HTTP_AGENT,
        headers: options.headers,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      (response) => {
        resolve({ response, abort: () => req.destroy() });
      },
    );
    if (idleTimeoutMs !== undefined) {
      req.setTimeout(idleTimeoutMs, () => {
        req.destroy(new Error(`no data for ${idleTimeoutMs} ms`));
      });
    }
    req.on('error', (error) => {
      if (typeof body === 'object') body.destroy();
      reject(error);
    });
    if (typeof body === 'object') {
      body.on('error', (error) => req.destroy(error));
      body.pipe(req);
    } else {
      req.end(body);
    }
  });
}

/**
 * A JsonFetch on node:http(s). Like fetch with `redirect: 'error'`, a redirect is a network
 * error; transport failures reject with a TypeError whose `cause` is the socket error (as
 * undici's do), an abort or timeout with the signal's reason. At most `maxBytes` of an answer are
 * read: a longer one is cut there (the caller sees the length and refuses it).
 * @example
 * const client = new RelayClient({ relayUrl, fetch: nodeJsonFetch(4 << 20) });
 */
export function nodeJsonFetch(maxBytes: number): JsonFetch {
  return async (url, init) => {
    let head;
    try {
      head = await nodeRequest(new URL(url), {
        method: init.method,
        headers:
          init.body === null
            ? init.headers
            : { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
        signal: init.signal,
        ...(init.body === null ? {} : { body: init.body }),
      });
    } catch (error) {
      if (init.signal.aborted) throw init.signal.reason;
      throw new TypeError('fetch failed', { cause: error });
    }
    const { response, abort } = head;
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400) {
      abort();
      throw new TypeError('fetch failed', { cause: new Error(`redirected (HTTP ${status})`) });
    }
    return {
      status,
      text: async () => {
        const chunks: Buffer[] = [];
        let length = 0;
        try {
          for await (const chunk of response as AsyncIterable<Buffer>) {
            chunks.push(chunk);
            length += chunk.length;
            if (length > maxBytes) {
              abort();
              break;
            }
          }
        } catch (error) {
          if (init.signal.aborted) throw init.signal.reason;
          throw new TypeError('fetch failed', { cause: error });
        }
        return Buffer.concat(chunks).toString('utf8');
      },
    };
  };
}
