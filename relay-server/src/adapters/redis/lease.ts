import type { Redis } from 'ioredis';
import type { LeaseStore } from '../../ports.js';

// Extend only our own lease: compare the holder and set the new expiry in one atomic step.
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0`;

// Delete only our own lease: a lease that lapsed and was taken by another holder must survive.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0`;

/** Leases as Redis keys: `SET NX PX` takes a free one; Redis expires a crashed holder's. */
export class RedisLeaseStore implements LeaseStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'datacrypt:lease:',
  ) {}

  /** `now` is unused: Redis expires keys by its own clock. */
  async acquire(name: string, holder: string, ttlMs: number, _now?: number): Promise<boolean> {
    const key = this.prefix + name;
    const ttl = String(Math.max(1, Math.round(ttlMs)));
    if ((await this.redis.set(key, holder, 'PX', ttl, 'NX')) === 'OK') return true;
    return (await this.redis.eval(EXTEND, 1, key, holder, ttl)) === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.prefix + name, holder);
  }
}
