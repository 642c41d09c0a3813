import { hash, verify, type Options } from '@node-rs/argon2';
import { concurrencyLimit } from './concurrency-limit.js';

// OWASP's argon2id baseline (19 MiB, t=2, p=1): about 20-40 ms per hash on a server core.
// Argon2id is the library's default algorithm (its `Algorithm` enum is `const` and cannot be
// imported under verbatimModuleSyntax); the auth tests assert the `$argon2id$` prefix.
const options: Options = {
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
};

// Each argon2 run holds 19 MiB; a burst of registrations or logins would otherwise run one per
// libuv thread (4) and lift the relay's RSS by ~75 MB. Two at a time bounds it at ~38 MiB.
const bounded = concurrencyLimit(2);

export function hashPassword(password: string): Promise<string> {
  return bounded(() => hash(password, options));
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await bounded(() => verify(stored, password));
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/** Burns the same time as a real check, so "no such user" cannot be told apart by latency. */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummy ??= hashPassword('datacrypt-dummy-password');
  await verifyPassword(await dummy, password);
  return false;
}
