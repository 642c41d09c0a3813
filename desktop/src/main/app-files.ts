/**
 * Answers the window's `datacrypt://app/...` requests from the renderer build on disk, with the
 * app's CSP on every answer. Plain Node (global `Response`), so tests run it without Electron.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { contentType, resolveStaticPath } from '../host/static-files.js';
import { APP_CSP, APP_HOST, APP_SCHEME } from './security.js';

const COMMON_HEADERS = {
  'Content-Security-Policy': APP_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

/**
 * The answer to one app request: the file, or 404 for anything outside the build (another host,
 * `..`, a missing file). Only GET.
 * @example
 * protocol.handle('datacrypt', (req) => serveAppRequest(rendererDir, req.url, req.method));
 */
export async function serveAppRequest(
  rendererDir: string,
  url: string,
  method = 'GET',
): Promise<Response> {
  const notFound = (): Response =>
    new Response('not found', { status: 404, headers: COMMON_HEADERS });
  if (method !== 'GET' && method !== 'HEAD') return new Response(null, { status: 405 });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return notFound();
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return notFound();
  const file = resolveStaticPath(rendererDir, parsed.pathname);
  if (file === null) return notFound();
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return notFound();
  }
  return new Response(method === 'HEAD' ? null : new Uint8Array(body), {
    status: 200,
    headers: { ...COMMON_HEADERS, 'Content-Type': contentType(file) },
  });
}
