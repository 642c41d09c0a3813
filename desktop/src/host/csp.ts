/**
 * The Content-Security-Policy of the renderer page, in one place: Electron main sends it as a
 * response header (and index.html carries the same as a meta tag), the web host sends it on every
 * page it serves. Only the app's own files run: no inline script or style, no eval, no remote
 * origins (the web host adds its own loopback WebSocket, nothing else).
 * @module
 */

/**
 * Options of contentSecurityPolicy.
 * @example
 * contentSecurityPolicy({ connect: ['ws://127.0.0.1:5173'] });
 */
export interface CspOptions {
  /** Extra `connect-src` sources (the web host's own `ws://127.0.0.1:<port>`). */
  connect?: readonly string[];
}

/**
 * The CSP header value.
 * @example
 * res.setHeader('Content-Security-Policy', contentSecurityPolicy());
 */
export function contentSecurityPolicy(options: CspOptions = {}): string {
  const directives: [string, ...string[]][] = [
    ['default-src', "'none'"],
    ['script-src', "'self'"],
    ['style-src', "'self'"],
    ['img-src', "'self'", 'blob:'],
    ['font-src', "'self'"],
    ['connect-src', "'self'", ...(options.connect ?? [])],
    ['manifest-src', "'self'"],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
    ['frame-ancestors', "'none'"],
    ['object-src', "'none'"],
  ];
  return directives.map((d) => d.join(' ')).join('; ');
}
