import { hash, verify, type Options } from '@node-rs/argon2';

// OWASP's argon2id baseline (19 MiB, t=2, p=1): about 20-40 ms per hash on a server core.
// Argon2id is the library's default algorithm (its `Algorithm` enum is `const` and cannot be
// imported under verbatimModuleSyntax); the auth tests assert the `$argon2id$` prefix.
const options: Options = {
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
};

export function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
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
