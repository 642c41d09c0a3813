import { join } from 'node:path';
import { LocalDb, type LocalDbOptions } from '../../src/core/index.js';

/** A fixed clock that moves one second per call, so stored times are deterministic. */
export function steppingClock(start = '2026-01-01T00:00:00.000Z'): () => Date {
  let t = Date.parse(start);
  return () => {
    const now = new Date(t);
    t += 1000;
    return now;
  };
}

/** Opens (or re-opens) `name` in `dir` with a deterministic clock. */
export function openDb(dir: string, name: string, options: LocalDbOptions = {}): LocalDb {
  return LocalDb.open(join(dir, name), { now: steppingClock(), ...options });
}

/** Two fixed public identities for contacts. */
export { seededIdentity } from './keystore-contract.js';
