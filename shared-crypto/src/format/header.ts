import { hmac } from '@noble/hashes/hmac.js';
import { sha384 } from '@noble/hashes/sha2.js';
import { DataCryptError } from '../errors.js';
import { concatBytes, constantTimeEqual, readU64be, u64be } from '../encoding/bytes.js';
import {
  FIXED_HEADER_LENGTH,
  FORMAT_VERSION,
  HEADER_MAC_LENGTH,
  MAGIC,
  MAX_CHUNK_LOG2,
  MAX_STANZAS,
  MIN_CHUNK_LOG2,
  PAYLOAD_SALT_LENGTH,
  STANZA_CT_LENGTH,
  STANZA_ENC_LENGTH,
  STANZA_LENGTH,
  SUITE,
  UNKNOWN_PAYLOAD_SIZE,
  headerLength,
} from './constants.js';

/** One recipient stanza: an HPKE encapsulated key and the sealed file key (SPEC.md §5.2). */
export interface Stanza {
  enc: Uint8Array;
  ciphertext: Uint8Array;
}

/** The header fields, before or after parsing (SPEC.md §5.1). */
export interface HeaderFields {
  chunkLog2: number;
  /** Exact payload plaintext length, or UNKNOWN_PAYLOAD_SIZE. */
  payloadSize: number;
  payloadSalt: Uint8Array;
  stanzas: Stanza[];
}

/** A parsed header with its exact bytes, which the MAC and the signature cover. */
export interface ParsedHeader extends HeaderFields {
  bytes: Uint8Array;
  mac: Uint8Array;
}

/**
 * Serializes the header and appends its MAC.
 * @example
 * const header = encodeHeader({ chunkLog2: 16, payloadSize, payloadSalt, stanzas }, keys.headerMacKey);
 */
export function encodeHeader(fields: HeaderFields, headerMacKey: Uint8Array): Uint8Array {
  const { chunkLog2, payloadSize, payloadSalt, stanzas } = fields;
  if (chunkLog2 < MIN_CHUNK_LOG2 || chunkLog2 > MAX_CHUNK_LOG2 || !Number.isInteger(chunkLog2)) {
    throw new DataCryptError(
      'E_ARGUMENT',
      `chunk_log2 must be ${MIN_CHUNK_LOG2}..${MAX_CHUNK_LOG2}`,
    );
  }
  if (stanzas.length < 1 || stanzas.length > MAX_STANZAS) {
    throw new DataCryptError('E_ARGUMENT', `between 1 and ${MAX_STANZAS} recipients are allowed`);
  }
  const fixed = new Uint8Array(FIXED_HEADER_LENGTH);
  fixed.set(MAGIC, 0);
  fixed[6] = FORMAT_VERSION;
  fixed[7] = SUITE;
  fixed[8] = chunkLog2;
  fixed[9] = 0;
  fixed.set(
    payloadSize === UNKNOWN_PAYLOAD_SIZE ? new Uint8Array(8).fill(0xff) : u64be(payloadSize),
    10,
  );
  fixed.set(payloadSalt, 18);
  fixed[50] = stanzas.length >>> 8;
  fixed[51] = stanzas.length & 0xff;
  const body = concatBytes(fixed, ...stanzas.flatMap((s) => [s.enc, s.ciphertext]));
  return concatBytes(body, hmac(sha384, headerMacKey, body));
}

/**
 * Outcome of looking at the first bytes of a file: either the header's full length, or an error.
 * Steps 1–4 of SPEC.md §9: only the fixed part is checked here, so a caller streaming the file
 * knows how many bytes to wait for.
 * @example
 * const need = headerLengthFromPrefix(first52Bytes); // 100 + 145·N
 */
export function headerLengthFromPrefix(prefix: Uint8Array, ended: boolean): number | null {
  const available = Math.min(prefix.length, MAGIC.length);
  for (let i = 0; i < available; i++) {
    if (prefix[i] !== MAGIC[i])
      throw new DataCryptError('E_FORMAT', 'not a DataCrypt file (bad magic)');
  }
  if (prefix.length < 10) {
    if (ended) throw new DataCryptError('E_TRUNCATED', 'the file ends inside the header');
    return null;
  }
  if (prefix[6] !== FORMAT_VERSION) {
    throw new DataCryptError('E_VERSION', `format version ${prefix[6]} is not supported (only 1)`);
  }
  if (prefix[7] !== SUITE) {
    throw new DataCryptError('E_VERSION', `suite ${prefix[7]} is not supported (only 1)`);
  }
  const chunkLog2 = prefix[8];
  if (chunkLog2 < MIN_CHUNK_LOG2 || chunkLog2 > MAX_CHUNK_LOG2) {
    throw new DataCryptError('E_FORMAT', `chunk_log2 ${chunkLog2} is out of range`);
  }
  if (prefix[9] !== 0) throw new DataCryptError('E_FORMAT', 'reserved flags are set');
  if (prefix.length < FIXED_HEADER_LENGTH) {
    if (ended) throw new DataCryptError('E_TRUNCATED', 'the file ends inside the header');
    return null;
  }
  const payloadSize = readPayloadSize(prefix);
  if (payloadSize === 0) throw new DataCryptError('E_FORMAT', 'payload_size is zero');
  const count = (prefix[50] << 8) | prefix[51];
  if (count < 1 || count > MAX_STANZAS) {
    throw new DataCryptError('E_FORMAT', `stanza_count ${count} is out of range`);
  }
  return headerLength(count);
}

function readPayloadSize(prefix: Uint8Array): number {
  if (prefix.subarray(10, 18).every((b) => b === 0xff)) return UNKNOWN_PAYLOAD_SIZE;
  const size = readU64be(prefix, 10);
  if (size === null) throw new DataCryptError('E_FORMAT', 'payload_size exceeds 2^53 - 1');
  return size;
}

/**
 * Parses a complete header (its length from headerLengthFromPrefix). The MAC is not checked here:
 * it needs the file key, which needs the stanzas.
 * @example
 * const header = parseHeader(bytes.subarray(0, headerLengthFromPrefix(bytes, true)!));
 */
export function parseHeader(bytes: Uint8Array): ParsedHeader {
  const length = headerLengthFromPrefix(bytes, true);
  if (length === null || bytes.length < length) {
    throw new DataCryptError('E_TRUNCATED', 'the file ends inside the header');
  }
  const header = bytes.subarray(0, length);
  const count = (length - FIXED_HEADER_LENGTH - HEADER_MAC_LENGTH) / STANZA_LENGTH;
  const stanzas: Stanza[] = [];
  for (let i = 0; i < count; i++) {
    const at = FIXED_HEADER_LENGTH + i * STANZA_LENGTH;
    stanzas.push({
      enc: header.subarray(at, at + STANZA_ENC_LENGTH),
      ciphertext: header.subarray(
        at + STANZA_ENC_LENGTH,
        at + STANZA_ENC_LENGTH + STANZA_CT_LENGTH,
      ),
    });
  }
  return {
    bytes: header,
    chunkLog2: header[8],
    payloadSize: readPayloadSize(header),
    payloadSalt: header.subarray(18, 18 + PAYLOAD_SALT_LENGTH),
    stanzas,
    mac: header.subarray(length - HEADER_MAC_LENGTH),
  };
}

/**
 * Checks the header MAC in constant time (SPEC.md §9 step 7).
 * @example
 * verifyHeaderMac(header, keys.headerMacKey); // throws E_HEADER_MAC on mismatch
 */
export function verifyHeaderMac(header: ParsedHeader, headerMacKey: Uint8Array): void {
  const body = header.bytes.subarray(0, header.bytes.length - HEADER_MAC_LENGTH);
  if (!constantTimeEqual(hmac(sha384, headerMacKey, body), header.mac)) {
    throw new DataCryptError('E_HEADER_MAC', 'the header was modified (MAC mismatch)');
  }
}
