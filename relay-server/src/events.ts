import { EventEmitter } from 'node:events';
import type { RelayEventName, RelayEvents } from './contract/index.js';

/** In-process bus that route handlers emit to; subscribers (realtime, mail) react independently. */
export class EventBus {
  private readonly emitter = new EventEmitter();

  emit<E extends RelayEventName>(event: E, payload: RelayEvents[E]): void {
    this.emitter.emit(event, payload);
  }

  on<E extends RelayEventName>(event: E, listener: (payload: RelayEvents[E]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
}

export type RealtimeListener = <E extends RelayEventName>(
  event: E,
  payload: RelayEvents[E],
) => void;

/** Fan-out to connected users. The in-process adapter suits one instance; scale-out swaps it. */
export interface Realtime {
  publish<E extends RelayEventName>(
    userIds: readonly string[],
    event: E,
    payload: RelayEvents[E],
  ): void;
  subscribe(userId: string, listener: RealtimeListener): () => void;
}

export class InProcessRealtime implements Realtime {
  private readonly listeners = new Map<string, Set<RealtimeListener>>();

  publish<E extends RelayEventName>(userIds: readonly string[], event: E, payload: RelayEvents[E]) {
    for (const id of userIds) {
      for (const listener of this.listeners.get(id) ?? []) listener(event, payload);
    }
  }

  subscribe(userId: string, listener: RealtimeListener): () => void {
    let set = this.listeners.get(userId);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(userId, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }
}

/** Routes each bus event to the users it concerns. */
export function connectRealtime(bus: EventBus, realtime: Realtime): () => void {
  const offs = [
    bus.on('transfer:new', (p) => {
      realtime.publish(p.recipientIds, 'transfer:new', p);
    }),
    bus.on('transfer:incoming', (p) => {
      realtime.publish(p.recipientIds, 'transfer:incoming', p);
    }),
    bus.on('transfer:downloaded', (p) => {
      realtime.publish([p.senderId], 'transfer:downloaded', p);
    }),
    bus.on('transfer:receipt', (p) => {
      realtime.publish([p.senderId], 'transfer:receipt', p);
    }),
    bus.on('transfer:revoked', (p) => {
      realtime.publish(p.recipientIds, 'transfer:revoked', p);
    }),
    bus.on('transfer:expired', (p) => {
      realtime.publish([p.senderId, ...p.recipientIds], 'transfer:expired', p);
    }),
    bus.on('key:changed', (p) => {
      realtime.publish([p.userId], 'key:changed', p);
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
