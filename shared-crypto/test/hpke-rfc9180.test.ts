import { readFileSync } from 'node:fs';
import { Aes128Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
import type { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/encoding/bytes.js';
import {
  contextOpen,
  contextSeal,
  computeNonce,
  DHKEM_P256_HKDF_SHA256,
  decap,
  deriveKeyPair,
  encap,
  keyScheduleBase,
  openBase,
  P256_SUITE,
  sealBase,
} from '../src/hpke/index.js';

// RFC 9180 Appendix A.3.1 (DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode);
// the JSON notes its source.
interface Rfc9180Vector {
  info: string;
  ikmE: string;
  pkEm: string;
  skEm: string;
  ikmR: string;
  pkRm: string;
  skRm: string;
  enc: string;
  shared_secret: string;
  key: string;
  base_nonce: string;
  exporter_secret: string;
  encryptions: { sequence_number: number; pt: string; aad: string; nonce: string; ct: string }[];
}

/** @hpke/core's key pair type (its .d.ts refers to DOM globals this project does not load). */
type CoreKeyPair = webcrypto.CryptoKeyPair;
const v = JSON.parse(
  readFileSync(new URL('./vectors-standard/rfc9180-a3-base.json', import.meta.url), 'utf8'),
) as Rfc9180Vector;
const h = fromHex;

describe('RFC 9180 A.3.1 base mode vectors (generic DHKEM over P-256)', () => {
  it('DeriveKeyPair(ikmE) and DeriveKeyPair(ikmR) give the RFC key pairs', () => {
    const e = deriveKeyPair(DHKEM_P256_HKDF_SHA256, h(v.ikmE));
    expect(toHex(e.secretKey)).toBe(v.skEm);
    expect(toHex(e.publicKey)).toBe(v.pkEm);
    const r = deriveKeyPair(DHKEM_P256_HKDF_SHA256, h(v.ikmR));
    expect(toHex(r.secretKey)).toBe(v.skRm);
    expect(toHex(r.publicKey)).toBe(v.pkRm);
  });

  it('Encap gives the RFC enc and shared_secret; Decap recovers it', () => {
    const { enc, sharedSecret } = encap(DHKEM_P256_HKDF_SHA256, h(v.pkRm), h(v.ikmE));
    expect(toHex(enc)).toBe(v.enc);
    expect(toHex(sharedSecret)).toBe(v.shared_secret);
    const decapped = decap(DHKEM_P256_HKDF_SHA256, h(v.enc), h(v.skRm));
    expect(decapped && toHex(decapped)).toBe(v.shared_secret);
  });

  it('KeySchedule gives the RFC key, base_nonce and exporter_secret', () => {
    const ctx = keyScheduleBase(P256_SUITE, h(v.shared_secret), h(v.info));
    expect(toHex(ctx.key)).toBe(v.key);
    expect(toHex(ctx.baseNonce)).toBe(v.base_nonce);
    expect(toHex(ctx.exporterSecret)).toBe(v.exporter_secret);
  });

  it('Seal/Open match the RFC ciphertexts for sequence numbers 0, 1, 2', () => {
    const ctx = keyScheduleBase(P256_SUITE, h(v.shared_secret), h(v.info));
    for (const e of v.encryptions) {
      expect(toHex(computeNonce(ctx.baseNonce, e.sequence_number))).toBe(e.nonce);
      expect(toHex(contextSeal(ctx, e.sequence_number, h(e.aad), h(e.pt)))).toBe(e.ct);
      const pt = contextOpen(ctx, e.sequence_number, h(e.aad), h(e.ct));
      expect(pt && toHex(pt)).toBe(e.pt);
    }
  });

  it('single-shot sealBase/openBase reproduce sequence 0', () => {
    const e0 = v.encryptions[0];
    const sealed = sealBase(P256_SUITE, h(v.pkRm), h(v.info), h(e0.aad), h(e0.pt), {
      ephemeralIkm: h(v.ikmE),
    });
    expect(toHex(sealed.enc)).toBe(v.enc);
    expect(toHex(sealed.ciphertext)).toBe(e0.ct);
    const pt = openBase(P256_SUITE, h(v.enc), h(v.skRm), h(v.info), h(e0.aad), h(e0.ct));
    expect(pt && toHex(pt)).toBe(e0.pt);
  });

  it('@hpke/core agrees with the same vector (checks the JSON itself)', async () => {
    const suite = new CipherSuite({
      kem: new DhkemP256HkdfSha256(),
      kdf: new HkdfSha256(),
      aead: new Aes128Gcm(),
    });
    const r = (await suite.kem.deriveKeyPair(h(v.ikmR))) as CoreKeyPair;
    expect(toHex(new Uint8Array(await suite.kem.serializePublicKey(r.publicKey)))).toBe(v.pkRm);
    const e0 = v.encryptions[0];
    const sealed = await suite.seal(
      { recipientPublicKey: r.publicKey, info: h(v.info), ekm: h(v.ikmE) },
      h(e0.pt),
      h(e0.aad),
    );
    expect(toHex(new Uint8Array(sealed.enc))).toBe(v.enc);
    expect(toHex(new Uint8Array(sealed.ct))).toBe(e0.ct);
  });
});
