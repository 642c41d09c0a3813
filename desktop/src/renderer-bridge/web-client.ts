/**
 * `window.datacrypt` for a plain browser: the IPC contract over the web host's loopback
 * WebSocket (desktop/shared/web-protocol.ts). The preload's twin: same `DataCryptApi`, generated
 * from the same contract, no behaviour of its own. Written against minimal structural types (no
 * DOM, no Node) so it runs in the renderer bundle and in Node tests (with the `ws` client).
 * @module
 */
import {
  EVENT_NAMES,
  FILE_NAME_HEADER,
  IpcErrorCodes,
  WEB_IPC_PATH,
  WEB_PROTOCOL,
  WEB_UPLOAD_PATH,
  isEventName,
  tokenProtocol,
  type ArgsParam,
  type Channel,
  type DataCryptApi,
  type EventName,
  type EventPayload,
  type FileLike,
  type IpcErrorBody,
  type IpcResult,
  type PathResult,
} from '../../shared/index.js';

/** The part of a WebSocket this client uses (browser WebSocket and `ws` both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}
/** A WebSocket constructor. */
export type WebSocketCtor = new (url: string, protocols: string[]) => WebSocketLike;

/** The part of `fetch` the upload uses. */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: unknown },
) => Promise<{ status: number; json(): Promise<unknown> }>;

/**
 * Options of createWebBridge.
 * @example
 * createWebBridge({ origin: location.origin, token });
 */
export interface WebBridgeOptions {
  /** The web host's origin, `http://127.0.0.1:<port>`. */
  origin: string;
  /** The launch token. */
  token: string;
  /** Default: the global WebSocket. */
  WebSocket?: WebSocketCtor | undefined;
  /** Default: the global fetch. */
  fetch?: FetchLike | undefined;
  /** First reconnect delay in ms (doubles up to 10 s). Default 500. */
  reconnectDelayMs?: number | undefined;
}

/** The bridge plus a way to shut it down (tests, page unload). */
export interface WebBridge extends DataCryptApi {
  close(): void;
}

type Listener = (payload: unknown) => void;
type Pending = (result: IpcResult<Channel>) => void;

const OPEN = 1;

function disconnected(message: string): IpcErrorBody {
  return { code: IpcErrorCodes.disconnected, message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The web host client.
 * @example
 * const api = createWebBridge({ origin: 'http://127.0.0.1:41234', token, WebSocket: WsClient });
 * const r = await api.invoke('account:status');
 */
export function createWebBridge(options: WebBridgeOptions): WebBridge {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket ?? null;
  const doFetch = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch ?? null;
  const wsUrl = `${options.origin.replace(/^http/u, 'ws')}${WEB_IPC_PATH}`;
  const baseDelay = options.reconnectDelayMs ?? 500;

  let socket: WebSocketLike | null = null;
  let opening: Promise<WebSocketLike> | null = null;
  let nextId = 1;
  let closed = false;
  let delay = baseDelay;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<Listener>>(EVENT_NAMES.map((e) => [e, new Set()]));

  const hasListeners = (): boolean => [...listeners.values()].some((set) => set.size > 0);

  const onMessage = (event: { data: unknown }): void => {
    if (typeof event.data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!isRecord(message)) return;
    if (message['t'] === 'result' && typeof message['id'] === 'number') {
      const resolve = pending.get(message['id']);
      pending.delete(message['id']);
      resolve?.(message['result'] as IpcResult<Channel>);
    } else if (message['t'] === 'event' && isEventName(message['event'])) {
      for (const listener of listeners.get(message['event']) ?? []) listener(message['payload']);
    }
  };

  const scheduleReconnect = (): void => {
    if (closed || reconnectTimer !== null || !hasListeners()) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      connect().catch(() => {
        scheduleReconnect();
      });
    }, delay);
    delay = Math.min(delay * 2, 10_000);
  };

  const connect = (): Promise<WebSocketLike> => {
    if (socket !== null && socket.readyState === OPEN) return Promise.resolve(socket);
    if (opening !== null) return opening;
    if (Ctor === null) return Promise.reject(new Error('no WebSocket in this environment'));
    const attempt = new Promise<WebSocketLike>((resolve, reject) => {
      const ws = new Ctor(wsUrl, [WEB_PROTOCOL, tokenProtocol(options.token)]);
      let opened = false;
      ws.addEventListener('open', () => {
        opened = true;
        socket = ws;
        delay = baseDelay;
        resolve(ws);
      });
      ws.addEventListener('message', onMessage);
      ws.addEventListener('error', () => {
        if (!opened) reject(new Error('cannot connect to the DataCrypt web host'));
      });
      ws.addEventListener('close', () => {
        if (!opened) reject(new Error('the DataCrypt web host refused the connection'));
        if (socket === ws) socket = null;
        for (const [id, resolvePending] of pending) {
          pending.delete(id);
          resolvePending({
            ok: false,
            error: disconnected('the connection to DataCrypt closed before it answered'),
          });
        }
        scheduleReconnect();
      });
    });
    opening = attempt;
    const clear = (): void => {
      opening = null;
    };
    attempt.then(clear, clear);
    return attempt;
  };

  const invoke = async <C extends Channel>(
    channel: C,
    ...args: ArgsParam<C>
  ): Promise<IpcResult<C>> => {
    if (closed) return { ok: false, error: disconnected('the DataCrypt connection is closed') };
    let ws: WebSocketLike;
    try {
      ws = await connect();
    } catch (error) {
      const message = error instanceof Error ? error.message : 'cannot reach DataCrypt';
      return { ok: false, error: disconnected(message) };
    }
    const id = nextId++;
    return new Promise<IpcResult<C>>((resolve) => {
      pending.set(id, resolve);
      ws.send(JSON.stringify({ t: 'call', id, channel, args: args[0] ?? {} }));
    });
  };

  const on = <E extends EventName>(
    event: E,
    listener: (payload: EventPayload<E>) => void,
  ): (() => void) => {
    const set = listeners.get(event);
    const wrapped: Listener = (payload) => {
      listener(payload as EventPayload<E>);
    };
    set?.add(wrapped);
    // Events need an open socket even before the first call.
    connect().catch(() => {
      scheduleReconnect();
    });
    return () => {
      set?.delete(wrapped);
    };
  };

  const pathForFile = async (file: FileLike): Promise<PathResult> => {
    if (doFetch === null) {
      return { ok: false, error: disconnected('this browser cannot upload files') };
    }
    try {
      const response = await doFetch(`${options.origin}${WEB_UPLOAD_PATH}`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${options.token}`,
          [FILE_NAME_HEADER]: encodeURIComponent(file.name),
          'Content-Type': 'application/octet-stream',
        },
        body: file,
      });
      const answer = await response.json();
      if (isRecord(answer) && typeof answer['path'] === 'string') {
        return { ok: true, path: answer['path'] };
      }
      if (isRecord(answer) && isRecord(answer['error'])) {
        const e = answer['error'];
        return {
          ok: false,
          error: {
            code: typeof e['code'] === 'string' ? e['code'] : IpcErrorCodes.protocol,
            message: typeof e['message'] === 'string' ? e['message'] : 'the upload failed',
          },
        };
      }
      return { ok: false, error: { code: IpcErrorCodes.protocol, message: 'the upload failed' } };
    } catch {
      return { ok: false, error: disconnected('the file could not be sent to DataCrypt') };
    }
  };

  return {
    transport: 'web',
    invoke,
    on,
    pathForFile,
    close: () => {
      closed = true;
      if (reconnectTimer !== null) clearTimeout(reconnectTimer);
      socket?.close(1000, 'closed');
    },
  };
}
