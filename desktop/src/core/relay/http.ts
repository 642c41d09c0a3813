import { ErrorBody } from '@datacrypt/relay-server/contract';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { nodeJsonFetch, type JsonFetch } from './node-http.js';
import { RelayError } from './relay-error.js';

/**
 * One JSON call to the relay (over node:http by default, see node-http.ts): timeouts, the relay's
 * error bodies turned into RelayError (its `E_…` code kept), network failures into `E_NETWORK`, answers checked against
 * the contract's TypeBox schemas (`E_PROTOCOL` otherwise). Secrets never reach a message.
 * @module
 */

/** Longest relay answer read, in characters (the JSON routes answer a few KiB at most). */
const MAX_RESPONSE_CHARS = 4 * 1024 * 1024;
/** Longest part of a relay error message quoted in ours. */
const MAX_QUOTED_MESSAGE = 300;

/**
 * The default transport: node:http(s), reading at most what can still be under the character limit
 * (UTF-8 needs at most 3 bytes per UTF-16 unit, so a longer answer is always refused as such).
 * @example
 * const http: HttpSettings = { baseUrl, timeoutMs: 30_000, fetch: defaultJsonFetch };
 */
export const defaultJsonFetch: JsonFetch = nodeJsonFetch(3 * MAX_RESPONSE_CHARS + 3);

/**
 * Where and how calls go.
 * @example
 * const http: HttpSettings = { baseUrl: 'https://relay.example.com', timeoutMs: 30_000, fetch: defaultJsonFetch };
 */
export interface HttpSettings {
  /** The relay's normalized base URL (no trailing slash). */
  baseUrl: string;
  timeoutMs: number;
  fetch: JsonFetch;
}

/**
 * One call.
 * @example
 * const call: RelayCall = { method: 'POST', route: Routes.login, body, secrets: [password] };
 */
export interface RelayCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The route template from `Routes` (named in errors). */
  route: string;
  /** The concrete path when the route has parameters (default: `route`). */
  path?: string;
  body?: unknown;
  accessToken?: string;
  /** Values that must never appear in an error message (passwords, tokens, codes). */
  secrets?: readonly (string | undefined)[];
}

/**
 * Removes every secret, control character and excess length from text quoted from the relay.
 * @example
 * scrub('bad token abc123', ['abc123']); // 'bad token [redacted]'
 */
export function scrub(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== undefined && secret.length > 0) out = out.split(secret).join('[redacted]');
  }
  // eslint-disable-next-line no-control-regex
  out = out.replace(/[\u0000-\u001f\u007f]+/gu, ' ');
  return out.length > MAX_QUOTED_MESSAGE ? `${out.slice(0, MAX_QUOTED_MESSAGE)}…` : out;
}

function networkError(http: HttpSettings, call: RelayCall, error: unknown): RelayError {
  let reason = 'connection failed';
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    reason = `no answer within ${http.timeoutMs} ms`;
  } else if (error instanceof Error && error.cause instanceof Error && 'code' in error.cause) {
    reason = String(error.cause.code);
  }
  return new RelayError(
    'E_NETWORK',
    `${call.method} ${call.route}: cannot reach the relay at ${http.baseUrl} (${reason})`,
    { status: null, route: call.route, cause: error },
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Sends one call and returns the HTTP status and the parsed JSON answer (undefined when empty).
 * A status >= 400 throws a RelayError with the relay's code; no answer throws `E_NETWORK`.
 * @example
 * const { status, body } = await sendCall(http, { method: 'GET', route: Routes.me, accessToken });
 */
export async function sendCall(
  http: HttpSettings,
  call: RelayCall,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (call.accessToken !== undefined) headers.authorization = `Bearer ${call.accessToken}`;
  let payload: string | undefined;
  if (call.body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(call.body);
  }
  let status: number;
  let text: string;
  try {
    const response = await http.fetch(http.baseUrl + (call.path ?? call.route), {
      method: call.method,
      headers,
      body: payload ?? null,
      redirect: 'error',
      signal: AbortSignal.timeout(http.timeoutMs),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    throw networkError(http, call, error);
  }
  if (text.length > MAX_RESPONSE_CHARS) {
    throw new RelayError('E_PROTOCOL', `${call.route}: the relay's answer is too large`, {
      status,
      route: call.route,
    });
  }
  const body = text === '' ? undefined : parseJson(text);
  if (status >= 400) {
    if (Value.Check(ErrorBody, body) && /^E_[A-Z0-9_]{1,64}$/u.test(body.error.code)) {
      throw new RelayError(
        body.error.code,
        `${call.method} ${call.route}: ${scrub(body.error.message, [...(call.secrets ?? []), call.accessToken])} (HTTP ${status})`,
        { status, route: call.route },
      );
    }
    throw new RelayError(
      'E_PROTOCOL',
      `${call.method} ${call.route}: HTTP ${status} without a DataCrypt error body`,
      { status, route: call.route },
    );
  }
  return { status, body };
}

/**
 * Checks an answer against a contract schema. Unknown fields (a newer relay) are dropped, the
 * rest must match exactly; `E_PROTOCOL` otherwise.
 * @example
 * const tokens = expectBody(TokenPair, body, Routes.refresh);
 */
export function expectBody<T extends TSchema>(schema: T, body: unknown, route: string): Static<T> {
  const cleaned: unknown = body === undefined ? undefined : Value.Clean(schema, Value.Clone(body));
  if (!Value.Check(schema, cleaned)) {
    throw new RelayError('E_PROTOCOL', `${route}: the relay's answer does not match the contract`, {
      status: null,
      route,
    });
  }
  return cleaned;
}
