/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   mongoose types its schema options bags as classes; plain literals are its documented input. */
import { Schema, type Connection, type Model } from 'mongoose';
import type { RealtimeEventName } from '../../contract/index.js';
import type { EventLog, EventLogEntry, KeyWatch, KeyWatchers } from '../../ports.js';

export interface EventCounterDoc {
  _id: string;
  seq: number;
}

export interface EventDoc {
  userId: string;
  seq: number;
  event: RealtimeEventName;
  payload: Record<string, unknown>;
  at: number;
  /** TTL index field: the event is dropped by MongoDB once the retention has passed. */
  expireAt: Date;
}

export interface WatcherDoc {
  _id: string;
  subjectId: string;
  watcherId: string;
  at: number;
}

const counterSchema = new Schema<EventCounterDoc>(
  { _id: { type: String, required: true }, seq: { type: Number, required: true } },
  { versionKey: false },
);

const eventSchema = new Schema<EventDoc>(
  {
    userId: { type: String, required: true },
    seq: { type: Number, required: true },
    event: { type: String, required: true },
    payload: { type: Schema.Types.Mixed, required: true },
    at: { type: Number, required: true },
    expireAt: { type: Date, required: true, expires: 0 },
  },
  { versionKey: false, minimize: false },
);
eventSchema.index({ userId: 1, seq: 1 }, { unique: true });
eventSchema.index({ at: 1 });

const watcherSchema = new Schema<WatcherDoc>(
  {
    _id: { type: String, required: true },
    subjectId: { type: String, required: true },
    watcherId: { type: String, required: true },
    at: { type: Number, required: true },
  },
  { versionKey: false },
);
watcherSchema.index({ subjectId: 1, watcherId: 1 });

export const eventSchemas = { counter: counterSchema, event: eventSchema, watcher: watcherSchema };

export interface EventModels {
  Counter: Model<EventCounterDoc>;
  Event: Model<EventDoc>;
  Watcher: Model<WatcherDoc>;
}

/** Registers the event-log models on a connection and builds their indexes (incl. the TTL). */
export async function createEventModels(conn: Connection): Promise<EventModels> {
  const models: EventModels = {
    Counter: conn.model<EventCounterDoc>('EventCounter', counterSchema),
    Event: conn.model<EventDoc>('Event', eventSchema),
    Watcher: conn.model<WatcherDoc>('KeyWatcher', watcherSchema),
  };
  await Promise.all(Object.values(models).map((m: Model<unknown>) => m.init()));
  return models;
}

// A sequence number taken but not yet written is normally filled within milliseconds; one still
// missing after this long belonged to an append that died, and readers stop waiting for it.
export const GAP_GRACE_MS = 10_000;

/**
 * The events a reader at `cursor` may take from `docs` (sorted by seq, all after the cursor): up to
 * the first hole that may still be filled by an append in flight. Holes before the first event are
 * pruned history (or a fresh reader) and skipped; a later hole is skipped only once the event
 * after it is older than GAP_GRACE_MS, i.e. the append that took the missing number died.
 */
export function readableEvents<T extends { seq: number; at: number }>(
  docs: readonly T[],
  cursor: number | null,
  now: number,
): T[] {
  const out: T[] = [];
  let expected = (cursor ?? 0) + 1;
  for (const d of docs) {
    const hole = d.seq !== expected && (cursor !== null || out.length > 0);
    if (hole && d.at > now - GAP_GRACE_MS) break;
    out.push(d);
    expected = d.seq + 1;
  }
  return out;
}

/**
 * Event log in MongoDB. Each user has a counter document; `$inc` hands out gap-free sequence
 * numbers, so a reader can tell "not written yet" (a hole) from "nothing more" and never moves
 * its cursor past an event another instance is still writing.
 */
export class MongoEventLog implements EventLog {
  constructor(
    private readonly m: EventModels,
    private readonly retentionMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async append(
    userIds: readonly string[],
    event: RealtimeEventName,
    payload: Record<string, unknown>,
    at: number,
  ): Promise<string[]> {
    const expireAt = new Date(at + this.retentionMs);
    return Promise.all(
      userIds.map(async (userId) => {
        const counter = await this.m.Counter.findOneAndUpdate(
          { _id: userId },
          { $inc: { seq: 1 } },
          { upsert: true, returnDocument: 'after' },
        ).lean<EventCounterDoc>();
        await this.m.Event.create({ userId, seq: counter.seq, event, payload, at, expireAt });
        return String(counter.seq);
      }),
    );
  }

  async after(userId: string, cursor: string | null, limit: number): Promise<EventLogEntry[]> {
    const from = cursor === null ? 0 : Number(cursor);
    const docs = await this.m.Event.find({ userId, seq: { $gt: from } })
      .sort({ seq: 1 })
      .limit(limit)
      .lean<EventDoc[]>();
    return readableEvents(docs, cursor === null ? null : from, this.clock()).map((d) => ({
      cursor: String(d.seq),
      event: d.event,
      payload: d.payload,
      at: d.at,
    }));
  }

  async prune(before: number): Promise<number> {
    const result = await this.m.Event.deleteMany({ at: { $lt: before } });
    return result.deletedCount;
  }
}

export class MongoKeyWatchers implements KeyWatchers {
  constructor(private readonly m: EventModels) {}

  async watch(pairs: readonly KeyWatch[], at: number): Promise<void> {
    const ops = pairs
      .filter((p) => p.watcherId !== p.subjectId)
      .map(({ watcherId, subjectId }) => ({
        updateOne: {
          filter: { _id: `${subjectId}:${watcherId}` },
          update: { $setOnInsert: { subjectId, watcherId }, $max: { at } },
          upsert: true,
        },
      }));
    if (ops.length > 0) await this.m.Watcher.bulkWrite(ops, { ordered: false });
  }

  async watchersOf(subjectId: string): Promise<string[]> {
    const docs = await this.m.Watcher.find({ subjectId })
      .sort({ watcherId: 1 })
      .lean<WatcherDoc[]>();
    return docs.map((d) => d.watcherId);
  }
}
