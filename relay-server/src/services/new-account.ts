import type { Account } from '../ports.js';
import { newId } from './crypto.js';

/** A new account record: a fresh id, no two-step sign-in, no verification code pending. */
export function newAccount(
  fields: Pick<Account, 'email' | 'passwordHash' | 'role' | 'verified' | 'createdAt'>,
): Account {
  return {
    id: newId(),
    ...fields,
    totpSecret: null,
    totpPendingSecret: null,
    totpLastStep: null,
    verifyCodeHash: null,
    verifyCodeExpiresAt: null,
    verifyCodeAttempts: 0,
  };
}
