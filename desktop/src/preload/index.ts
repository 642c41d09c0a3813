/**
 * The preload bridge: defines `window.datacrypt` (DataCryptApi) in the sandboxed, context-isolated
 * renderer, generated from the contract's channel and event lists. It passes calls to main's
 * `ipcMain.handle` channels and events back; it validates nothing itself (main does) and exposes
 * no Electron or Node object. Bundled to one CommonJS file (dist/preload/index.cjs, see
 * vite.preload.config.ts) because sandboxed preloads cannot load modules.
 * @module
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import {
  EVENT_NAMES,
  IPC_EVENT_CHANNEL,
  ipcChannelName,
  isChannel,
  isEventName,
  type Channel,
  type EventName,
  type EventPayload,
} from '../../shared/contract.js';
import {
  IpcErrorCodes,
  type ArgsParam,
  type DataCryptApi,
  type FileLike,
  type IpcResult,
  type PathResult,
} from '../../shared/api.js';

type Listener = (payload: unknown) => void;
const listeners = new Map<EventName, Set<Listener>>(EVENT_NAMES.map((e) => [e, new Set()]));

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event: IpcRendererEvent, message: unknown) => {
  if (typeof message !== 'object' || message === null) return;
  const { event, payload } = message as { event?: unknown; payload?: unknown };
  if (!isEventName(event)) return;
  for (const listener of listeners.get(event) ?? []) listener(payload);
});

const api: DataCryptApi = {
  transport: 'electron',
  invoke: <C extends Channel>(channel: C, ...args: ArgsParam<C>): Promise<IpcResult<C>> => {
    if (!isChannel(channel)) {
      return Promise.resolve({
        ok: false,
        error: { code: IpcErrorCodes.unknownChannel, message: 'unknown call' },
      });
    }
    return ipcRenderer.invoke(ipcChannelName(channel), args[0] ?? {}) as Promise<IpcResult<C>>;
  },
  on: <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) => {
    const set = listeners.get(event);
    const wrapped: Listener = (payload) => {
      listener(payload as EventPayload<E>);
    };
    set?.add(wrapped);
    return () => {
      set?.delete(wrapped);
    };
  },
  pathForFile: (file: FileLike): Promise<PathResult> => {
    try {
      // The page hands over a real DOM File (drop or <input type=file>); FileLike is its type here.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
      const path = webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0]);
      if (path === '') throw new Error('no path');
      return Promise.resolve({ ok: true, path });
    } catch {
      return Promise.resolve({
        ok: false,
        error: { code: 'E_NO_PATH', message: 'this item has no file on disk; pick a file instead' },
      });
    }
  },
};

contextBridge.exposeInMainWorld('datacrypt', api);
