/**
 * The contract on Electron IPC: one `ipcMain.handle` per channel (generated from the channel
 * list), each refusing callers other than the app's own main frame, then the shared dispatcher
 * (argument validation, handler, result validation). Events go to the window on one channel.
 * Takes its Electron objects as parameters (structural types) so tests can drive it.
 * @module
 */
import {
  CHANNELS,
  IPC_EVENT_CHANNEL,
  IpcErrorCodes,
  ipcChannelName,
  type Channel,
  type EventName,
  type EventPayload,
} from '#shared';
import type { AnyIpcResult, Dispatch } from '../host/dispatcher.js';
import type { EventHub } from '../host/event-hub.js';
import { isTrustedSender, type SenderFrame } from './security.js';

/** What a handler sees of an `IpcMainInvokeEvent`. */
export interface InvokeEvent {
  readonly senderFrame: SenderFrame | null;
}

/** What `registerIpc` needs of `ipcMain`. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEvent, args: unknown) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/**
 * Registers a handler for every contract channel; returns the function that removes them.
 * @example
 * const off = registerIpc(ipcMain, dispatch, runtime);
 */
export function registerIpc<Ctx>(ipc: IpcMainLike, dispatch: Dispatch<Ctx>, ctx: Ctx): () => void {
  const names = CHANNELS.map((channel: Channel) => {
    const name = ipcChannelName(channel);
    ipc.handle(name, (event, args): Promise<AnyIpcResult> => {
      if (!isTrustedSender(event.senderFrame)) {
        return Promise.resolve({
          ok: false,
          error: { code: IpcErrorCodes.sender, message: 'this call did not come from DataCrypt' },
        });
      }
      return dispatch(channel, args, ctx);
    });
    return name;
  });
  return () => {
    for (const name of names) ipc.removeHandler(name);
  };
}

/** What `forwardEvents` needs of the window's WebContents. */
export interface EventTarget {
  send(channel: string, message: unknown): void;
  isDestroyed(): boolean;
}

/**
 * Sends every host event to the window (`IPC_EVENT_CHANNEL`, `{ event, payload }`).
 * @example
 * const off = forwardEvents(runtime.events, win.webContents);
 */
export function forwardEvents(events: EventHub, target: EventTarget): () => void {
  return events.subscribe(<E extends EventName>(event: E, payload: EventPayload<E>) => {
    if (!target.isDestroyed()) target.send(IPC_EVENT_CHANNEL, { event, payload });
  });
}
