import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Log } from '../../log.js';
import { RedisLeaseStore } from './lease.js';

/** The Redis clients one relay instance uses; `close` quits them all. */
export interface RedisConnections {
  /** Commands: rate-limit counters and leases. */
  client: Redis;
  /** Socket.IO adapter factory publishing and subscribing over two dedicated connections. */
  socketAdapter: ReturnType<typeof createAdapter>;
  leases: RedisLeaseStore;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects the command, publish and subscribe clients; resolves once all three are ready, so a
 * wrong URL stops the start instead of failing the first request.
 */
export async function connectRedis(url: string, log: Log): Promise<RedisConnections> {
  const options = { lazyConnect: true, maxRetriesPerRequest: 3 } as const;
  const client = new Redis(url, options);
  const pub = new Redis(url, options);
  const sub = new Redis(url, options);
  const all = [client, pub, sub];
  for (const c of all) {
    // ioredis reconnects by itself; without a listener an outage would crash the process.
    c.on('error', (err: Error) => {
      log.warn({ err: { message: err.message } }, 'redis connection error; retrying');
    });
  }
  swallowUnsubscribeFailures(sub);
  try {
    await Promise.all(all.map((c) => c.connect()));
  } catch (err) {
    for (const c of all) c.disconnect();
    throw err;
  }
  return {
    client,
    socketAdapter: createAdapter(pub, sub),
    leases: new RedisLeaseStore(client),
    async ping() {
      await client.ping();
    },
    async close() {
      await Promise.allSettled(all.map((c) => c.quit()));
    },
  };
}

/**
 * The Socket.IO adapter unsubscribes on close without awaiting; with Redis down those commands
 * reject after the retries and, unhandled, would crash a relay that is shutting down.
 */
function swallowUnsubscribeFailures(sub: Redis): void {
  const unsubscribe = sub.unsubscribe.bind(sub);
  const punsubscribe = sub.punsubscribe.bind(sub);
  sub.unsubscribe = ((...args: Parameters<typeof unsubscribe>) =>
    unsubscribe(...args).catch(() => 0)) as typeof sub.unsubscribe;
  sub.punsubscribe = ((...args: Parameters<typeof punsubscribe>) =>
    punsubscribe(...args).catch(() => 0)) as typeof sub.punsubscribe;
}
