/**
 * Passphrase-protected identity files: the 97-byte secret identity sealed with AES-256-GCM under
 * scrypt(passphrase), in an ASCII armor.
 * @module
 */
import { gcm } from '@noble/ciphers/aes.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { DataCryptError } from '../errors.js';
import { decodeBase64, encodeBase64 } from '../encoding/base64.js';
import { chunkString, concatBytes } from '../encoding/bytes.js';
import { systemRandom } from '../random.js';
import type { RandomSource } from '../random.js';
import { SECRET_IDENTITY_LENGTH, secretIdentityFromBytes } from './secret-identity.js';
import type { SecretIdentity } from './secret-identity.js';

/**
 * First line of the armor.
 * @example
 * text.trimStart().startsWith(ARMOR_BEGIN); // encrypted identity file?
 */
export const ARMOR_BEGIN = '-----BEGIN DATACRYPT ENCRYPTED IDENTITY-----';
/**
 * Last line of the armor.
 * @example
 * const last = text.trimEnd().split('\n').pop() === ARMOR_END;
 */
export const ARMOR_END = '-----END DATACRYPT ENCRYPTED IDENTITY-----';
const ARMOR_COLUMNS = 64;

const MAGIC = new TextEncoder().encode('DCRYPTID');
const FILE_VERSION = 0x01;
const KDF_SCRYPT = 0x01;
const SALT_LENGTH = 16;
const NONCE_LENGTH = 12;
/** Length of magic .. nonce, which is also the AEAD's associated data. */
const HEADER_LENGTH = 8 + 1 + 1 + 3 + SALT_LENGTH + NONCE_LENGTH; // 41
const CIPHERTEXT_LENGTH = SECRET_IDENTITY_LENGTH + 16; // 113
/**
 * Total binary length of an encrypted identity: 41 + 113.
 * @example
 * binary.length === ENCRYPTED_IDENTITY_LENGTH; // 154
 */
export const ENCRYPTED_IDENTITY_LENGTH = HEADER_LENGTH + CIPHERTEXT_LENGTH; // 154

/**
 * scrypt parameters.
 * @example
 * const params: ScryptParams = { log2N: 17, r: 8, p: 1 };
 */
export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
}

/**
 * Default scrypt parameters: N = 2^17, r = 8, p = 1 (128 MiB, about half a second).
 * @example
 * DEFAULT_SCRYPT_PARAMS.log2N; // 17
 */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({
  log2N: 17,
  r: 8,
  p: 1,
});
/**
 * Largest scrypt memory accepted, 128·r·N bytes (1 GiB).
 * @example
 * 128 * r * 2 ** log2N <= SCRYPT_MAX_MEMORY; // else E_IDENTITY
 */
export const SCRYPT_MAX_MEMORY = 2 ** 30;
/**
 * Largest scrypt work accepted, N·r·p (32 times the default).
 * @example
 * 2 ** log2N * r * p <= SCRYPT_MAX_WORK; // else E_IDENTITY
 */
export const SCRYPT_MAX_WORK = 2 ** 25;

/** Returns why the parameters are unacceptable, or null when they are fine. */
function scryptParamsProblem({ log2N, r, p }: ScryptParams): string | null {
  if (!Number.isInteger(log2N) || log2N < 10 || log2N > 22) return `log2N ${log2N} not in 10..22`;
  if (!Number.isInteger(r) || r < 1 || r > 32) return `r ${r} not in 1..32`;
  if (!Number.isInteger(p) || p < 1 || p > 16) return `p ${p} not in 1..16`;
  if (128 * r * 2 ** log2N > SCRYPT_MAX_MEMORY) return 'scrypt memory 128*r*N exceeds 1 GiB';
  if (2 ** log2N * r * p > SCRYPT_MAX_WORK) return 'scrypt work N*r*p exceeds 2^25';
  return null;
}

function checkPassphrase(passphrase: unknown): Uint8Array {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new DataCryptError('E_ARGUMENT', 'the passphrase must be a non-empty string');
  }
  return new TextEncoder().encode(passphrase.normalize('NFC'));
}

async function deriveKey(
  passphrase: Uint8Array,
  salt: Uint8Array,
  k: ScryptParams,
): Promise<Uint8Array> {
  const N = 2 ** k.log2N;
  return scryptAsync(passphrase, salt, {
    N,
    r: k.r,
    p: k.p,
    dkLen: 32,
    maxmem: SCRYPT_MAX_MEMORY + 128 * k.r * (k.p + 2),
  });
}

/**
 * True when `text` (after leading whitespace) starts with the encrypted-identity armor line.
 * @example
 * if (isEncryptedIdentityFile(text)) passphrase = await prompt('Passphrase: ');
 */
export function isEncryptedIdentityFile(text: string): boolean {
  return typeof text === 'string' && text.trimStart().startsWith(ARMOR_BEGIN);
}

/**
 * Encrypts a secret identity under a passphrase and returns the armored file (LF line endings,
 * final newline). Draws the 16-byte salt, then the 12-byte nonce, from `random`.
 * Throws E_ARGUMENT for an empty passphrase or out-of-range scrypt parameters.
 * @example
 * await writeFile(path, await encryptIdentityFile(id, passphrase), { mode: 0o600 });
 */
export async function encryptIdentityFile(
  s: SecretIdentity,
  passphrase: string,
  opts: { log2N?: number; r?: number; p?: number; random?: RandomSource } = {},
): Promise<string> {
  const pass = checkPassphrase(passphrase);
  const params: ScryptParams = {
    log2N: opts.log2N ?? DEFAULT_SCRYPT_PARAMS.log2N,
    r: opts.r ?? DEFAULT_SCRYPT_PARAMS.r,
    p: opts.p ?? DEFAULT_SCRYPT_PARAMS.p,
  };
  const problem = scryptParamsProblem(params);
  if (problem !== null) throw new DataCryptError('E_ARGUMENT', `identity file: ${problem}`);
  const random = opts.random ?? systemRandom;
  const salt = random(SALT_LENGTH);
  const nonce = random(NONCE_LENGTH);
  const header = concatBytes(
    MAGIC,
    new Uint8Array([FILE_VERSION, KDF_SCRYPT, params.log2N, params.r, params.p]),
    salt,
    nonce,
  );
  const key = await deriveKey(pass, salt, params);
  const ciphertext = gcm(key, nonce, header).encrypt(s.bytes);
  key.fill(0);
  const b64 = encodeBase64(concatBytes(header, ciphertext));
  const lines = chunkString(b64, ARMOR_COLUMNS);
  return `${ARMOR_BEGIN}\n${lines.join('\n')}\n${ARMOR_END}\n`;
}

function fail(detail: string): never {
  throw new DataCryptError('E_IDENTITY', `encrypted identity file: ${detail}`);
}

/** Removes the armor and returns the binary (E_IDENTITY on any armor or base64 defect). */
function dearmor(text: string): Uint8Array {
  const lines = text
    .trim()
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines[0] !== ARMOR_BEGIN) fail('missing BEGIN line');
  if (lines.length < 3 || lines[lines.length - 1] !== ARMOR_END) fail('missing END line');
  const body = lines.slice(1, -1);
  body.forEach((line, i) => {
    const last = i === body.length - 1;
    if (
      line.length === 0 ||
      line.length > ARMOR_COLUMNS ||
      (!last && line.length !== ARMOR_COLUMNS)
    ) {
      fail(
        `armor line ${i + 2} must be ${ARMOR_COLUMNS} characters (the last 1..${ARMOR_COLUMNS})`,
      );
    }
  });
  try {
    return decodeBase64(body.join(''), 'E_IDENTITY');
  } catch (cause) {
    throw new DataCryptError('E_IDENTITY', 'encrypted identity file: invalid base64', { cause });
  }
}

/**
 * Decrypts an armored identity file. Checks, in order: armor and base64 (E_IDENTITY), length >= 41,
 * magic, version 0x01, kdf 0x01, scrypt parameter ranges and cost bounds, total length 154
 * (E_IDENTITY); passphrase present (E_PASSPHRASE) and non-empty (E_ARGUMENT); AEAD open
 * (E_PASSPHRASE); the decrypted secret identity (E_IDENTITY).
 * @example
 * const id = await decryptIdentityFile(text, passphrase);
 */
export async function decryptIdentityFile(
  text: string,
  passphrase?: string,
): Promise<SecretIdentity> {
  const bin = dearmor(text);
  if (bin.length < HEADER_LENGTH) fail('truncated');
  for (let i = 0; i < MAGIC.length; i++) if (bin[i] !== MAGIC[i]) fail('bad magic (not DCRYPTID)');
  if (bin[8] !== FILE_VERSION) fail(`unsupported version ${bin[8]}`);
  if (bin[9] !== KDF_SCRYPT) fail(`unsupported KDF ${bin[9]}`);
  const params: ScryptParams = { log2N: bin[10], r: bin[11], p: bin[12] };
  const problem = scryptParamsProblem(params);
  if (problem !== null) fail(problem);
  if (bin.length < ENCRYPTED_IDENTITY_LENGTH) fail('truncated');
  if (bin.length > ENCRYPTED_IDENTITY_LENGTH) fail('trailing data');
  if (passphrase === undefined) {
    throw new DataCryptError(
      'E_PASSPHRASE',
      'this identity file is encrypted: a passphrase is needed',
    );
  }
  const pass = checkPassphrase(passphrase);
  const header = bin.subarray(0, HEADER_LENGTH);
  const salt = bin.subarray(13, 13 + SALT_LENGTH);
  const nonce = bin.subarray(13 + SALT_LENGTH, HEADER_LENGTH);
  const key = await deriveKey(pass, salt, params);
  let secret: Uint8Array;
  try {
    secret = gcm(key, nonce, header).decrypt(bin.subarray(HEADER_LENGTH));
  } catch (cause) {
    throw new DataCryptError('E_PASSPHRASE', 'wrong passphrase (or the file was modified)', {
      cause,
    });
  } finally {
    key.fill(0);
  }
  try {
    return secretIdentityFromBytes(secret);
  } finally {
    secret.fill(0);
  }
}
