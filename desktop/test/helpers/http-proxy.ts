import {
  createServer,
  request,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP server on a free 127.0.0.1 port (a test proxy), from `listenLoopback`. */
export interface LoopbackServer {
  url: string;
  /** Closes every connection (held ones included) and stops listening. */
  close(): Promise<void>;
}

/**
 * Sends `req` on to `upstream` (body streamed, same method, path and headers) and hands the
 * relay's answer to `onAnswer`, which decides what reaches the client.
 */
export function forwardTo(
  upstream: URL,
  req: IncomingMessage,
  res: ServerResponse,
  onAnswer: (answer: IncomingMessage) => void,
): void {
  const out = request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream.host },
    },
    onAnswer,
  );
  out.on('error', () => res.destroy());
  req.pipe(out);
}

/** Starts `handle` as an HTTP server on a free 127.0.0.1 port. */
export async function listenLoopback(handle: RequestListener): Promise<LoopbackServer> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => {
          if (err) reject(err);
          else resolve();
        });
      }),
  };
}
