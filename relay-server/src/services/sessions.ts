import type { Container } from '../container.js';
import type { Role, TokenPair } from '../contract/index.js';
import { newId, randomToken, sha256Hex } from './crypto.js';

/** Issues an access + refresh pair; a new family unless rotating inside an existing one. */
export async function issueTokens(
  c: Container,
  user: { id: string; role: Role },
  familyId?: string,
): Promise<TokenPair> {
  const now = c.now();
  const family = familyId ?? newId();
  if (familyId === undefined) await c.tokens.createFamily(family, user.id, now);
  const refreshToken = randomToken();
  const refreshTokenExpiresAt = now + c.config.refreshTokenTtlSeconds * 1000;
  await c.tokens.insertRefresh({
    hash: sha256Hex(refreshToken),
    familyId: family,
    userId: user.id,
    expiresAt: refreshTokenExpiresAt,
  });
  const access = await c.jwt.signAccess({ sub: user.id, role: user.role, sid: family }, now);
  return {
    status: 'ok',
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken,
    refreshTokenExpiresAt,
  };
}
