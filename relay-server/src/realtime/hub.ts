import type { Container } from '../container.js';
import type { RealtimeEventName, RealtimePayloads, RelayEvents } from '../contract/index.js';
import type { Log } from '../log.js';

/** Delivers one logged event to one user's connected sockets (on every instance). */
export type Deliver = <E extends RealtimeEventName>(
  userId: string,
  event: E,
  payload: RealtimePayloads[E],
) => void;

type ClientPayload<E extends RealtimeEventName> = Omit<RealtimePayloads[E], 'cursor'>;

interface Routed<E extends RealtimeEventName> {
  userIds: string[];
  payload: ClientPayload<E>;
}

/**
 * Who hears of each bus event, and what they are told: ids and sizes only. Recipient lists are
 * not passed on, so one recipient never learns another's account id from an event.
 */
async function route<E extends RealtimeEventName>(
  c: Container,
  event: E,
  p: RelayEvents[E],
): Promise<Routed<E>> {
  const routed = async (): Promise<Routed<RealtimeEventName>> => {
    switch (event) {
      case 'transfer:new':
      case 'transfer:incoming': {
        const q = p as RelayEvents['transfer:new'];
        return {
          userIds: q.recipientIds,
          payload: { transferId: q.transferId, senderId: q.senderId, size: q.size },
        };
      }
      case 'transfer:downloaded':
      case 'transfer:receipt': {
        const q = p as RelayEvents['transfer:downloaded'];
        return {
          userIds: [q.senderId],
          payload: { transferId: q.transferId, recipientId: q.recipientId },
        };
      }
      case 'transfer:revoked': {
        const q = p as RelayEvents['transfer:revoked'];
        return {
          userIds: q.recipientIds,
          payload: { transferId: q.transferId, senderId: q.senderId },
        };
      }
      case 'transfer:expired': {
        const q = p as RelayEvents['transfer:expired'];
        return {
          userIds: [q.senderId, ...q.recipientIds],
          payload: { transferId: q.transferId, senderId: q.senderId },
        };
      }
      default: {
        const q = p as RelayEvents['key:changed'];
        // The owner's other devices hear of it too; then everyone watching that key.
        return {
          userIds: [q.userId, ...(await c.watchers.watchersOf(q.userId))],
          payload: { userId: q.userId, fingerprint: q.fingerprint },
        };
      }
    }
  };
  const r = await routed();
  return { userIds: [...new Set(r.userIds)], payload: r.payload as ClientPayload<E> };
}

const EVENTS: readonly RealtimeEventName[] = [
  'transfer:new',
  'transfer:incoming',
  'transfer:downloaded',
  'transfer:receipt',
  'transfer:revoked',
  'transfer:expired',
  'key:changed',
];

/**
 * Bus -> event log -> fan-out. Each bus event is appended to every concerned user's log first
 * (so a client catching up by cursor sees it), then delivered live with the user's cursor.
 * Events are handled one at a time in bus order, so live delivery follows cursor order.
 * Returns `{ stop, idle }`: `idle()` resolves once everything emitted so far is delivered.
 */
export function startRealtimeHub(
  c: Container,
  deliver: Deliver,
  log: Log,
): { stop(): void; idle(): Promise<void> } {
  let queue: Promise<void> = Promise.resolve();
  const sideWrites = new Set<Promise<void>>();

  /** Sharing a transfer makes sender and recipients watch each other's keys (off the hot path). */
  const recordWatchers = (t: RelayEvents['transfer:new']) => {
    const pairs = t.recipientIds.flatMap((r) => [
      { watcherId: t.senderId, subjectId: r },
      { watcherId: r, subjectId: t.senderId },
    ]);
    const write = c.watchers
      .watch(pairs, c.now())
      .catch((err: unknown) => {
        log.error({ err }, 'could not record key watchers');
      })
      .finally(() => sideWrites.delete(write));
    sideWrites.add(write);
  };

  const handle = async <E extends RealtimeEventName>(event: E, p: RelayEvents[E]) => {
    // Watchers recorded for earlier transfers must count for this key change.
    if (event === 'key:changed') await Promise.all([...sideWrites]);
    const { userIds, payload } = await route(c, event, p);
    if (userIds.length === 0) return;
    const cursors = await c.events.append(userIds, event, payload, c.now());
    userIds.forEach((id, i) => {
      deliver(id, event, { ...payload, cursor: cursors[i] ?? '' } as RealtimePayloads[E]);
    });
    if (event === 'transfer:new') recordWatchers(p as RelayEvents['transfer:new']);
  };

  const offs = EVENTS.map((event) =>
    c.bus.on(event, (p) => {
      queue = queue
        .then(() => handle(event, p))
        .catch((err: unknown) => {
          log.error({ err, event }, 'could not log or deliver a realtime event');
        });
    }),
  );
  return {
    stop() {
      for (const off of offs) off();
    },
    idle: async () => {
      await queue;
      await Promise.all([...sideWrites]);
    },
  };
}
