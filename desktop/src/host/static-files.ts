/**
 * Resolving request paths to files of the renderer build, for both hosts (Electron's app://
 * protocol handler and the web host's HTTP server): never outside the build folder, `/` is
 * `index.html`, and the content type comes from a fixed list.
 * @module
 */
import { extname, join, normalize, relative, resolve, isAbsolute } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The content type of a file by its extension (`application/octet-stream` when unknown).
 * @example
 * contentType('index.html'); // 'text/html; charset=utf-8'
 */
export function contentType(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file inside `root` that a URL path names, or null when it would leave `root` (`..`,
 * encoded separators, absolute paths) or cannot be decoded.
 * @example
 * resolveStaticPath('/srv/app', '/assets/main.js'); // '/srv/app/assets/main.js'
 * resolveStaticPath('/srv/app', '/%2e%2e/secret'); // null
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  if (path === '' || path === '/') path = '/index.html';
  const base = resolve(root);
  const file = normalize(join(base, path));
  const inside = relative(base, file);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return null;
  return file;
}
