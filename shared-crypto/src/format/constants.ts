import { utf8 } from '../encoding/bytes.js';

/** `"DCRYPT"`: the first six bytes of every DataCrypt file (SPEC.md §5.1). */
export const MAGIC = utf8('DCRYPT');
export const FORMAT_VERSION = 0x01;
export const SUITE = 0x01;

export const MIN_CHUNK_LOG2 = 10;
export const MAX_CHUNK_LOG2 = 24;
/** 64 KiB chunks: SPEC.md §6.3 gives the measurements behind the choice. */
export const DEFAULT_CHUNK_LOG2 = 16;

export const FIXED_HEADER_LENGTH = 52;
export const STANZA_ENC_LENGTH = 97;
export const STANZA_CT_LENGTH = 48;
export const STANZA_LENGTH = STANZA_ENC_LENGTH + STANZA_CT_LENGTH;
export const HEADER_MAC_LENGTH = 48;
export const MAX_STANZAS = 1024;
export const PAYLOAD_SALT_LENGTH = 32;
export const FILE_KEY_LENGTH = 32;

export const TAG_LENGTH = 16;
export const SIGNATURE_LENGTH = 96;
export const SIGNATURE_RECORD_LENGTH = SIGNATURE_LENGTH + TAG_LENGTH;

/** payload_size value meaning "not known when encryption started" (all 0xFF). */
export const UNKNOWN_PAYLOAD_SIZE = -1;

export const MIN_MANIFEST_LENGTH = 2;
export const MAX_MANIFEST_LENGTH = 16 * 1024 * 1024;

/** Every label of the format, spelled out once (SPEC.md §5–§8). */
export const LABELS = {
  fileKeyInfo: utf8('datacrypt/v1 file key'),
  headerMac: utf8('datacrypt/v1 header mac'),
  payload: utf8('datacrypt/v1 payload'),
  signature: utf8('datacrypt/v1 signature'),
  senderSignature: utf8('datacrypt/v1 sender signature'),
} as const;

/**
 * Length of a header with `stanzaCount` recipients.
 * @example
 * headerLength(1) // 245
 */
export function headerLength(stanzaCount: number): number {
  return FIXED_HEADER_LENGTH + STANZA_LENGTH * stanzaCount + HEADER_MAC_LENGTH;
}
