import { forwardTo, listenLoopback } from './http-proxy.js';

/**
 * A streaming HTTP proxy in front of a relay that lets every call through, except that ciphertext
 * downloads stop after `limit` bytes and then hang: a network that stalls mid-download, so a
 * receiver can be killed with an exact number of bytes received.
 */
export interface DownloadStallProxy {
  url: string;
  /** Bytes passed on for the download that stalled, once it has. */
  readonly stalledAfter: number | null;
  close(): Promise<void>;
}

const DOWNLOAD = /^\/api\/transfers\/file\//u;

/** Starts the proxy on 127.0.0.1 in front of `target`. */
export async function startDownloadStallProxy(
  target: string,
  limit: number,
): Promise<DownloadStallProxy> {
  const upstream = new URL(target);
  const state: { stalledAfter: number | null } = { stalledAfter: null };
  const proxy = await listenLoopback((req, res) => {
    forwardTo(upstream, req, res, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!DOWNLOAD.test(req.url ?? '') || answer.statusCode !== 200) {
        answer.pipe(res);
        return;
      }
      let passed = 0;
      answer.on('data', (chunk: Buffer) => {
        const room = limit - passed;
        if (room <= 0) return;
        const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
        passed += piece.length;
        res.write(piece);
        if (passed === limit) {
          state.stalledAfter = passed;
          answer.pause();
        }
      });
      answer.on('end', () => res.end());
    });
  });
  return {
    url: proxy.url,
    get stalledAfter() {
      return state.stalledAfter;
    },
    close: () => proxy.close(),
  };
}
