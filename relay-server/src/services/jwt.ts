import { SignJWT, jwtVerify, errors } from 'jose';
import type { Role } from '../contract/index.js';

const ISSUER = 'datacrypt-relay';

export interface AccessClaims {
  sub: string;
  role: Role;
  sid: string;
}

export type TokenPurpose = 'access' | 'totp-challenge';

export class JwtService {
  constructor(
    private readonly key: Uint8Array,
    private readonly accessTtlSeconds: number,
  ) {}

  async sign(
    purpose: TokenPurpose,
    claims: Record<string, string>,
    subject: string,
    ttlSeconds: number,
    now: number,
  ): Promise<{ token: string; expiresAt: number }> {
    const iat = Math.floor(now / 1000);
    const exp = iat + ttlSeconds;
    const token = await new SignJWT({ ...claims, typ: purpose })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(purpose)
      .setSubject(subject)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: exp * 1000 };
  }

  signAccess(claims: AccessClaims, now: number) {
    return this.sign(
      'access',
      { role: claims.role, sid: claims.sid },
      claims.sub,
      this.accessTtlSeconds,
      now,
    );
  }

  /**
   * Only HS256 with our key is accepted: the explicit algorithm list is what stops `alg: none`
   * and RS/HS confusion (a token "signed" with a public key as HMAC secret).
   */
  async verify(
    token: string,
    purpose: TokenPurpose,
  ): Promise<Record<string, unknown> & { sub: string }> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: purpose,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      if (payload.typ !== purpose || typeof payload.sub !== 'string') throw new InvalidTokenError();
      return { ...payload, sub: payload.sub };
    } catch (err) {
      if (err instanceof InvalidTokenError || err instanceof errors.JOSEError) {
        throw new InvalidTokenError();
      }
      throw err;
    }
  }

  async verifyAccess(token: string): Promise<AccessClaims> {
    const p = await this.verify(token, 'access');
    if ((p.role !== 'user' && p.role !== 'admin') || typeof p.sid !== 'string') {
      throw new InvalidTokenError();
    }
    return { sub: p.sub, role: p.role, sid: p.sid };
  }
}

export class InvalidTokenError extends Error {
  constructor() {
    super('invalid token');
    this.name = 'InvalidTokenError';
  }
}
