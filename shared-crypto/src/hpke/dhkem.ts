/**
 * DHKEM (RFC 9180 §4.1) over the NIST curves P-256, P-384 and P-521 with their HKDF hash,
 * including DeriveKeyPair (§7.1.3). Public keys serialize as uncompressed SEC1 points.
 * @module
 */
import { p256, p384, p521 } from '@noble/curves/nist.js';
import type { ECDSA } from '@noble/curves/abstract/weierstrass.js';
import { DataCryptError } from '../errors.js';
import { bytesToBigInt, concatBytes, u16be } from '../encoding/bytes.js';
import { HKDF_SHA256, HKDF_SHA384, HKDF_SHA512, labeledExpand, labeledExtract } from './kdf.js';
import type { HpkeKdf } from './kdf.js';

/**
 * A DHKEM instantiation (RFC 9180 §7.1 table 2).
 * @example
 * const kem: Dhkem = DHKEM_P384_HKDF_SHA384; // kem.Nenc === 97
 */
export interface Dhkem {
  /** kem_id: 0x0010 P-256, 0x0011 P-384, 0x0012 P-521. */
  readonly id: number;
  readonly curve: ECDSA;
  /** The KEM's own KDF (used for ExtractAndExpand and DeriveKeyPair). */
  readonly kdf: HpkeKdf;
  /** Shared secret length. */
  readonly Nsecret: number;
  /** Encapsulated key length = serialized public key length (uncompressed point). */
  readonly Nenc: number;
  /** Secret key length. */
  readonly Nsk: number;
  /** Mask applied to the first candidate byte in DeriveKeyPair. */
  readonly bitmask: number;
  /** suite_id for the KEM: "KEM" || I2OSP(kem_id, 2). */
  readonly suiteId: Uint8Array;
}

function makeDhkem(
  id: number,
  curve: ECDSA,
  kdf: HpkeKdf,
  Nsecret: number,
  Nsk: number,
  bitmask: number,
): Dhkem {
  const suiteId = concatBytes(new TextEncoder().encode('KEM'), u16be(id));
  return Object.freeze({ id, curve, kdf, Nsecret, Nenc: 1 + 2 * Nsk, Nsk, bitmask, suiteId });
}

/**
 * DHKEM(P-256, HKDF-SHA256), kem_id 0x0010.
 * @example
 * deriveKeyPair(DHKEM_P256_HKDF_SHA256, ikm32);
 */
export const DHKEM_P256_HKDF_SHA256: Dhkem = makeDhkem(0x0010, p256, HKDF_SHA256, 32, 32, 0xff);
/**
 * DHKEM(P-384, HKDF-SHA384), kem_id 0x0011 (the DataCrypt suite).
 * @example
 * deriveKeyPair(DHKEM_P384_HKDF_SHA384, ikm48);
 */
export const DHKEM_P384_HKDF_SHA384: Dhkem = makeDhkem(0x0011, p384, HKDF_SHA384, 48, 48, 0xff);
/**
 * DHKEM(P-521, HKDF-SHA512), kem_id 0x0012.
 * @example
 * deriveKeyPair(DHKEM_P521_HKDF_SHA512, ikm66);
 */
export const DHKEM_P521_HKDF_SHA512: Dhkem = makeDhkem(0x0012, p521, HKDF_SHA512, 64, 66, 0x01);

/**
 * A DHKEM key pair: secret scalar (Nsk bytes, big-endian) and uncompressed public key.
 * @example
 * const { secretKey, publicKey }: DhkemKeyPair = deriveKeyPair(kem, ikm);
 */
export interface DhkemKeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/**
 * RFC 9180 §7.1.3 DeriveKeyPair for NIST curves: rejection sampling over
 * LabeledExpand(dkp_prk, "candidate", I2OSP(counter, 1), Nsk) with the first byte masked.
 * Throws E_ARGUMENT if ikm is shorter than Nsk bytes.
 * @example
 * const { secretKey, publicKey } = deriveKeyPair(DHKEM_P384_HKDF_SHA384, ikm48);
 */
export function deriveKeyPair(kem: Dhkem, ikm: Uint8Array): DhkemKeyPair {
  if (!(ikm instanceof Uint8Array) || ikm.length < kem.Nsk) {
    throw new DataCryptError('E_ARGUMENT', `DeriveKeyPair: ikm must be at least ${kem.Nsk} bytes`);
  }
  const order = kem.curve.Point.Fn.ORDER;
  const dkpPrk = labeledExtract(kem.kdf, kem.suiteId, new Uint8Array(0), 'dkp_prk', ikm);
  for (let counter = 0; counter <= 255; counter++) {
    const bytes = labeledExpand(
      kem.kdf,
      kem.suiteId,
      dkpPrk,
      'candidate',
      new Uint8Array([counter]),
      kem.Nsk,
    );
    bytes[0] &= kem.bitmask;
    const sk = bytesToBigInt(bytes);
    if (sk !== 0n && sk < order) {
      dkpPrk.fill(0);
      return { secretKey: bytes, publicKey: kem.curve.getPublicKey(bytes, false) };
    }
  }
  // Unreachable in practice: probability ~2^-(255*bits) for these curves.
  throw new DataCryptError('E_ARGUMENT', 'DeriveKeyPair: no valid candidate');
}

/**
 * Parses a public key (compressed or uncompressed SEC1) and returns its uncompressed
 * serialization, or null if it is not a valid point (off the curve, identity, wrong length).
 * @example
 * const pkRm = normalizePublicKey(DHKEM_P384_HKDF_SHA384, compressed49); // 97 bytes
 */
export function normalizePublicKey(kem: Dhkem, publicKey: Uint8Array): Uint8Array | null {
  const compressedLength = 1 + kem.Nsk;
  if (publicKey.length !== kem.Nenc && publicKey.length !== compressedLength) return null;
  try {
    const point = kem.curve.Point.fromBytes(publicKey);
    if (point.is0()) return null;
    point.assertValidity();
    return point.toBytes(false);
  } catch {
    return null;
  }
}

/**
 * RFC 9180 §7.1.1 DeserializePublicKey: accepts only the uncompressed point (0x04 || x || y) of
 * exactly Nenc bytes that lies on the curve; returns null otherwise.
 * @example
 * const pkE = deserializePublicKey(DHKEM_P384_HKDF_SHA384, enc); // null if invalid
 */
export function deserializePublicKey(kem: Dhkem, enc: Uint8Array): Uint8Array | null {
  if (enc.length !== kem.Nenc || enc[0] !== 0x04) return null;
  return normalizePublicKey(kem, enc);
}

/** DH(sk, pk): the x-coordinate of sk·pk, Nsk bytes (RFC 9180 §7.1.1 "Ndh"). */
function dh(kem: Dhkem, secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return kem.curve.getSharedSecret(secretKey, publicKey, true).subarray(1);
}

/**
 * RFC 9180 §4.1 ExtractAndExpand(dh, kem_context).
 * @example
 * const sharedSecret = extractAndExpand(DHKEM_P384_HKDF_SHA384, dh, concatBytes(enc, pkRm));
 */
export function extractAndExpand(
  kem: Dhkem,
  dhOutput: Uint8Array,
  kemContext: Uint8Array,
): Uint8Array {
  const eaePrk = labeledExtract(kem.kdf, kem.suiteId, new Uint8Array(0), 'eae_prk', dhOutput);
  const out = labeledExpand(kem.kdf, kem.suiteId, eaePrk, 'shared_secret', kemContext, kem.Nsecret);
  eaePrk.fill(0);
  return out;
}

/**
 * RFC 9180 §4.1 Encap(pkR) with the ephemeral key pair DeriveKeyPair(ikmE).
 * `recipientPublicKey` may be compressed or uncompressed; throws E_ARGUMENT if it is not a valid point.
 * @example
 * const { sharedSecret, enc } = encap(DHKEM_P384_HKDF_SHA384, pkR, random(48));
 */
export function encap(
  kem: Dhkem,
  recipientPublicKey: Uint8Array,
  ikmE: Uint8Array,
): { sharedSecret: Uint8Array; enc: Uint8Array } {
  const pkRm = normalizePublicKey(kem, recipientPublicKey);
  if (pkRm === null) throw new DataCryptError('E_ARGUMENT', 'HPKE: invalid recipient public key');
  const { secretKey: skE, publicKey: enc } = deriveKeyPair(kem, ikmE);
  const dhOutput = dh(kem, skE, pkRm);
  const sharedSecret = extractAndExpand(kem, dhOutput, concatBytes(enc, pkRm));
  skE.fill(0);
  return { sharedSecret, enc };
}

/**
 * RFC 9180 §4.1 Decap(enc, skR). Returns null when enc is not a valid uncompressed point.
 * Throws E_ARGUMENT when the recipient secret key is not a scalar in [1, n-1].
 * @example
 * const sharedSecret = decap(DHKEM_P384_HKDF_SHA384, enc, skR);
 */
export function decap(
  kem: Dhkem,
  enc: Uint8Array,
  recipientSecretKey: Uint8Array,
): Uint8Array | null {
  if (
    recipientSecretKey.length !== kem.Nsk ||
    !kem.curve.utils.isValidSecretKey(recipientSecretKey)
  ) {
    throw new DataCryptError('E_ARGUMENT', 'HPKE: invalid recipient secret key');
  }
  const pkE = deserializePublicKey(kem, enc);
  if (pkE === null) return null;
  const pkRm = kem.curve.getPublicKey(recipientSecretKey, false);
  const dhOutput = dh(kem, recipientSecretKey, pkE);
  return extractAndExpand(kem, dhOutput, concatBytes(pkE, pkRm));
}
