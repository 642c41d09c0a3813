/**
 * The host's outgoing events (contract `Events`): producers emit typed payloads, each transport
 * subscribes once and forwards them (Electron: webContents.send; web host: every authenticated
 * socket). Payloads are checked against the contract before they leave.
 * @module
 */
import { eventProblems, isValidEvent, type EventName, type EventPayload } from '#shared';
import type { HostLog } from './dispatcher.js';

/** A subscriber of every event. */
export type EventSink = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/**
 * Typed fan-out of host events.
 * @example
 * const hub = new EventHub(console);
 * const off = hub.subscribe((event, payload) => socket.send(JSON.stringify({ event, payload })));
 * hub.emit('inbox:unread', { count: 2 });
 */
export class EventHub {
  private readonly sinks = new Set<EventSink>();

  constructor(private readonly log: HostLog) {}

  /** Sends an event to every subscriber (dropped and logged when it breaks the contract). */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    if (!isValidEvent(event, payload)) {
      this.log.error(`event ${event} dropped: ${eventProblems(event, payload)}`);
      return;
    }
    for (const sink of this.sinks) {
      try {
        sink(event, payload);
      } catch (error) {
        this.log.error(`event ${event}: a subscriber failed`, error);
      }
    }
  }

  /** Adds a subscriber; returns the function that removes it. */
  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => {
      this.sinks.delete(sink);
    };
  }
}
