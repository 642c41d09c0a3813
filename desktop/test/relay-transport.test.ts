import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Routes } from '@datacrypt/relay-server/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { isRelayError, RelayClient } from '../src/core/index.js';

/*
 * The JSON transport on node:http (relay/node-http.ts) against hostile HTTP servers on a port:
 * redirects, endless answers, silence and cut connections all end in coded errors, never a hang
 * or an unbounded read.
 */

let server: Server | null = null;
afterEach(async () => {
  const s = server;
  server = null;
  if (s !== null) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function serve(handler: (res: ServerResponse) => void): Promise<string> {
  const s = createServer((_req, res) => {
    handler(res);
  });
  server = s;
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const code = (c: Parameters<typeof isRelayError>[1]) => (e: unknown) => isRelayError(e, c);

describe('the JSON transport', () => {
  it('treats a redirect as a network failure, not as an answer', async () => {
    const url = await serve((res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
    });
    const client = new RelayClient({ relayUrl: url, timeoutMs: 5000 });
    await expect(client.sendOtp('a@example.com')).rejects.toSatisfy(code('E_NETWORK'));
  });

  it('stops reading an endless answer and refuses it as too large', async () => {
    let written = 0;
    const url = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const piece = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && written < 64 * 1024 * 1024) {
          written += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const client = new RelayClient({ relayUrl: url, timeoutMs: 10_000 });
    const failure = await client.sendOtp('a@example.com').catch((e: unknown) => e);
    expect(failure).toSatisfy(code('E_PROTOCOL'));
    expect(String(failure)).toMatch(/too large/u);
    // The reader gave up near the limit (12 MiB), far before the 64 MiB on offer.
    expect(written).toBeLessThan(40 * 1024 * 1024);
  });

  it('gives up on a silent relay after the timeout with E_NETWORK', async () => {
    const url = await serve(() => undefined);
    const client = new RelayClient({ relayUrl: url, timeoutMs: 300 });
    const failure = await client.sendOtp('a@example.com').catch((e: unknown) => e);
    expect(failure).toSatisfy(code('E_NETWORK'));
    expect(String(failure)).toMatch(/no answer within 300 ms/u);
  });

  it('reports a connection cut in the middle of an answer as E_NETWORK', async () => {
    const url = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"status":');
      setTimeout(() => res.destroy(), 20);
    });
    const client = new RelayClient({ relayUrl: url, timeoutMs: 5000 });
    await expect(client.sendOtp('a@example.com')).rejects.toSatisfy(code('E_NETWORK'));
  });

  it('names the route and keeps the relay error code of a JSON error body', async () => {
    const url = await serve((res) => {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'E_RATE_LIMITED', message: 'slow down' } }));
    });
    const client = new RelayClient({ relayUrl: url, timeoutMs: 5000 });
    const failure = await client.sendOtp('a@example.com').catch((e: unknown) => e);
    expect(failure).toSatisfy(code('E_RATE_LIMITED'));
    expect(String(failure)).toContain(Routes.sendOtp);
  });
});
