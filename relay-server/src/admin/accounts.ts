import type { Container } from '../container.js';
import type { Role } from '../contract/index.js';
import type { Account } from '../ports.js';
import { randomToken } from '../services/crypto.js';
import { newAccount } from '../services/new-account.js';
import { hashPassword } from '../services/passwords.js';

// A disabled account keeps its password hash behind this prefix: no password verifies against it
// (the hash no longer parses), and `enable` restores it unchanged.
const DISABLED_PREFIX = '!disabled:';

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** An admin command failed for a reason the operator can act on. */
export class AdminError extends Error {
  constructor(
    readonly code: 'E_NOT_FOUND' | 'E_VALIDATION' | 'E_CONFLICT',
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export interface UserSummary {
  id: string;
  email: string;
  role: Role;
  verified: boolean;
  disabled: boolean;
  createdAt: number;
  /** Declared ciphertext bytes of the user's live transfers (what the quota counts). */
  usedBytes: number;
}

export const isDisabled = (a: Pick<Account, 'passwordHash'>): boolean =>
  a.passwordHash.startsWith(DISABLED_PREFIX);

function normalEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (!EMAIL.test(e)) throw new AdminError('E_VALIDATION', `not an email address: ${email}`);
  return e;
}

async function existing(c: Container, email: string): Promise<Account> {
  const account = await c.accounts.byEmail(normalEmail(email));
  if (account === undefined) throw new AdminError('E_NOT_FOUND', `no account for ${email}`);
  return account;
}

/**
 * Makes `email` an administrator. An existing account is promoted (and counts as verified: the
 * operator vouches for it); otherwise a verified admin account is created with `password`, or
 * with a generated one that is returned so it can be shown once.
 */
export async function createAdmin(
  c: Container,
  email: string,
  password?: string,
): Promise<{ created: boolean; generatedPassword?: string }> {
  const address = normalEmail(email);
  const found = await c.accounts.byEmail(address);
  if (found !== undefined) {
    await c.accounts.update(found.id, { role: 'admin', verified: true });
    return { created: false };
  }
  if (password !== undefined && password.length < 8) {
    throw new AdminError('E_VALIDATION', 'the password needs at least 8 characters');
  }
  const generated = password === undefined ? randomToken(18) : undefined;
  const account = newAccount({
    email: address,
    passwordHash: await hashPassword(password ?? generated ?? ''),
    role: 'admin',
    verified: true,
    createdAt: c.now(),
  });
  if (!(await c.accounts.create(account))) {
    throw new AdminError('E_CONFLICT', `${address} was registered meanwhile; run again`);
  }
  return generated === undefined
    ? { created: true }
    : { created: true, generatedPassword: generated };
}

/** Every account with its storage use, oldest first as the store lists them. */
export async function listUsers(c: Container): Promise<UserSummary[]> {
  const out: UserSummary[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await c.accounts.list(500, offset);
    for (const a of page) {
      out.push({
        id: a.id,
        email: a.email,
        role: a.role,
        verified: a.verified,
        disabled: isDisabled(a),
        createdAt: a.createdAt,
        usedBytes: await c.transfers.usedBytes(a.id),
      });
    }
    if (page.length < 500) return out;
  }
}

/**
 * Disables an account: every session is revoked, so HTTP requests and new sockets are refused at
 * once and connected sockets are dropped at the relay's next session check
 * (`DATACRYPT_SOCKET_SESSION_CHECK_SECONDS`); no password logs in any more. Its transfers stay
 * until they expire.
 */
export async function disableUser(c: Container, email: string): Promise<{ changed: boolean }> {
  const account = await existing(c, email);
  await c.tokens.revokeAllFamilies(account.id, c.now());
  if (isDisabled(account)) return { changed: false };
  await c.accounts.update(account.id, { passwordHash: DISABLED_PREFIX + account.passwordHash });
  return { changed: true };
}

/** Re-enables a disabled account with its previous password. */
export async function enableUser(c: Container, email: string): Promise<{ changed: boolean }> {
  const account = await existing(c, email);
  if (!isDisabled(account)) return { changed: false };
  await c.accounts.update(account.id, {
    passwordHash: account.passwordHash.slice(DISABLED_PREFIX.length),
  });
  return { changed: true };
}
