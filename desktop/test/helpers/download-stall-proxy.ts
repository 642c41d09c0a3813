import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A streaming HTTP proxy in front of a relay that lets every call through, except that ciphertext
 * downloads stop after `limit` bytes and then hang: a network that stalls mid-download, so a
 * receiver can be killed with an exact number of bytes received.
 */
export interface DownloadStallProxy {
  url: string;
  /** Bytes passed on for the download that stalled, once it has. */
  stalledAfter: number | null;
  close(): Promise<void>;
}

const DOWNLOAD = /^\/api\/transfers\/file\//u;

function forwardHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out = { ...headers };
  delete out.host;
  return out;
}

/** Starts the proxy on 127.0.0.1 in front of `target`. */
export async function startDownloadStallProxy(
  target: string,
  limit: number,
): Promise<DownloadStallProxy> {
  const upstream = new URL(target);
  const state: DownloadStallProxy = {
    url: '',
    stalledAfter: null,
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((req, res) => {
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: forwardHeaders(req.headers),
      },
      (answer) => {
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
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  state.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  return state;
}
