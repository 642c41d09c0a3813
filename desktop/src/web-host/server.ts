/**
 * The web host's server: serves the renderer build over HTTP on 127.0.0.1 and carries the IPC
 * contract over a WebSocket on the same port (protocol: desktop/shared/web-protocol.ts). It adds
 * no behaviour: every call goes to the same dispatcher and handler map as Electron main. It does
 * add the gatekeeping a browser needs: a per-launch token (constant-time compared), an `Origin`
 * and `Host` check (no other site, no DNS rebinding), loopback only.
 * @module
 */
import { randomBytes, randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { basename, join, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  FILE_NAME_HEADER,
  IpcErrorCodes,
  TOKEN_PROTOCOL_PREFIX,
  WEB_IPC_PATH,
  WEB_PROTOCOL,
  WEB_UPLOAD_PATH,
  WireCall,
  type IpcErrorBody,
  type UploadAnswer,
  type WireFromHost,
} from '#shared';
import { contentSecurityPolicy } from '../host/csp.js';
import { contentType, resolveStaticPath } from '../host/static-files.js';
import type { Dispatch, HostLog } from '../host/dispatcher.js';
import type { EventHub } from '../host/event-hub.js';

/**
 * Options of startWebHost.
 * @example
 * await startWebHost({ dispatch, context: host, events: host.events, rendererDir, uploadsDir, log });
 */
export interface WebHostOptions<Ctx> {
  dispatch: Dispatch<Ctx>;
  /** The context every call runs with (the HostRuntime). */
  context: Ctx;
  events: EventHub;
  /** The renderer build to serve (desktop/dist-renderer). */
  rendererDir: string;
  /** Where browser uploads go (a private folder in the profile). */
  uploadsDir: string;
  log: HostLog;
  /** TCP port on 127.0.0.1 (0: any free port). */
  port?: number | undefined;
  /** The launch token (default: 32 random bytes, base64url). Tests may fix it. */
  token?: string | undefined;
  /** Largest WebSocket message accepted, bytes (default 1 MiB). */
  maxMessageBytes?: number | undefined;
}

/**
 * A running web host.
 * @example
 * const web = await startWebHost(options);
 * console.log(web.url); // http://127.0.0.1:41234/#token=...
 * await web.close();
 */
export interface WebHost {
  /** The address to open, with the token in the fragment. */
  readonly url: string;
  /** `http://127.0.0.1:<port>` (no token). */
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** Compares two secrets in constant time (hashing first makes the lengths equal). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** A file name from the browser made safe to create inside a folder of ours. */
export function safeFileName(raw: string): string {
  let name = raw;
  try {
    name = decodeURIComponent(raw);
  } catch {
    // keep the raw text: it is sanitized below either way
  }
  const printable = name.replaceAll('\\', '/').replaceAll(/\p{Cc}/gu, '');
  const cleaned = basename(printable).replace(/^\.+/u, '').slice(0, 200);
  return cleaned === '' ? 'upload' : cleaned;
}

function reject(socket: Duplex, status: number, reason: string): void {
  socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

function sendJson(res: ServerResponse, status: number, body: UploadAnswer): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(JSON.stringify(body));
}

/**
 * Starts the web host on 127.0.0.1.
 * @example
 * const web = await startWebHost({ dispatch, context, events, rendererDir, uploadsDir, log });
 */
export async function startWebHost<Ctx>(options: WebHostOptions<Ctx>): Promise<WebHost> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const rendererDir = resolve(options.rendererDir);
  let port = 0;
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => allowedHosts().map((h) => `http://${h}`);
  const csp = (): string =>
    contentSecurityPolicy({ connect: allowedHosts().map((h) => `ws://${h}`) });

  const hostAllowed = (req: IncomingMessage): boolean =>
    allowedHosts().includes(req.headers.host ?? '');
  const originAllowed = (req: IncomingMessage): boolean =>
    allowedOrigins().includes(req.headers.origin ?? '');

  const tokenFromProtocols = (req: IncomingMessage): string | null => {
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(WEB_PROTOCOL)) return null;
    const carrier = offered.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
    return carrier === undefined ? null : carrier.slice(TOKEN_PROTOCOL_PREFIX.length);
  };

  const serveFile = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const file = resolveStaticPath(rendererDir, url.pathname);
    if (file === null) {
      res.writeHead(404).end();
      return;
    }
    let size: number;
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      size = info.size;
    } catch {
      if (file === join(rendererDir, 'index.html')) {
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(
          'The DataCrypt renderer is not built: run `npm run build:renderer -w desktop` ' +
            `(looked in ${rendererDir}).\n`,
        );
        return;
      }
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': contentType(file),
      'Content-Length': size,
      'Content-Security-Policy': csp(),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'X-Frame-Options': 'DENY',
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(createReadStream(file), res);
  };

  const upload = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    if (!originAllowed(req) || !sameSecret(given, token)) {
      sendJson(res, 403, {
        error: {
          code: IpcErrorCodes.sender,
          message: 'this upload is not from the DataCrypt page',
        },
      });
      req.resume();
      return;
    }
    const header = req.headers[FILE_NAME_HEADER];
    const name = safeFileName(typeof header === 'string' ? header : 'upload');
    const dir = join(options.uploadsDir, randomUUID());
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const target = join(dir, name);
    try {
      await pipeline(req, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      options.log.error('upload failed', error);
      sendJson(res, 500, {
        error: { code: 'E_IO', message: 'the file could not be stored for sending' },
      });
      return;
    }
    sendJson(res, 200, { path: target });
  };

  const server: Server = createServer((req, res) => {
    if (!hostAllowed(req)) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end('wrong host\n');
      req.resume();
      return;
    }
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const work =
      req.method === 'POST' && pathname === WEB_UPLOAD_PATH
        ? upload(req, res)
        : req.method === 'GET' || req.method === 'HEAD'
          ? serveFile(req, res)
          : Promise.resolve(void res.writeHead(405).end());
    work.catch((error: unknown) => {
      options.log.error('web host request failed', error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes ?? 1024 * 1024,
    handleProtocols: (protocols) => (protocols.has(WEB_PROTOCOL) ? WEB_PROTOCOL : false),
  });

  server.on('upgrade', (req, socket, head) => {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (pathname !== WEB_IPC_PATH) {
      reject(socket, 404, 'Not Found');
      return;
    }
    if (!hostAllowed(req) || !originAllowed(req)) {
      reject(socket, 403, 'Forbidden');
      return;
    }
    const given = tokenFromProtocols(req);
    if (given === null || !sameSecret(given, token)) {
      reject(socket, 401, 'Unauthorized');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      serveSocket(ws);
    });
  });

  const sockets = new Set<WebSocket>();
  const serveSocket = (ws: WebSocket): void => {
    sockets.add(ws);
    const send = (message: WireFromHost): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const unsubscribe = options.events.subscribe((event, payload) => {
      send({ t: 'event', event, payload });
    });
    ws.on('close', () => {
      unsubscribe();
      sockets.delete(ws);
    });
    ws.on('error', (error) => {
      options.log.error('web host socket error', error);
    });
    ws.on('message', (data, isBinary) => {
      const protocolError = (message: string): void => {
        const error: IpcErrorBody = { code: IpcErrorCodes.protocol, message };
        send({ t: 'error', error });
      };
      if (isBinary) {
        protocolError('binary messages are not part of the protocol');
        return;
      }
      let message: unknown;
      try {
        const text = Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Array.isArray(data)
            ? Buffer.concat(data).toString('utf8')
            : Buffer.from(data).toString('utf8');
        message = JSON.parse(text);
      } catch {
        protocolError('a message is not JSON');
        return;
      }
      if (!Value.Check(WireCall, message)) {
        protocolError('a message is not a call');
        return;
      }
      const call = message;
      options.dispatch(call.channel, call.args, options.context).then(
        (result) => {
          send({ t: 'result', id: call.id, result });
        },
        (error: unknown) => {
          // The dispatcher answers every failure itself; this is a bug guard.
          options.log.error('web host dispatch failed', error);
          send({
            t: 'result',
            id: call.id,
            result: {
              ok: false,
              error: { code: IpcErrorCodes.internal, message: 'internal error' },
            },
          });
        },
      );
    });
  };

  await new Promise<void>((resolvePromise, rejectPromise) => {
    server.once('error', rejectPromise);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', rejectPromise);
      resolvePromise();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    close: async () => {
      for (const ws of sockets) ws.close(1001, 'web host shutting down');
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((done) => {
        server.close(() => {
          done();
        });
      });
    },
  };
}
