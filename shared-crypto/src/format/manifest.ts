import { DataCryptError } from '../errors.js';
import { MAX_MANIFEST_LENGTH, MIN_MANIFEST_LENGTH } from './constants.js';
import { utf8 } from '../encoding/bytes.js';
import { findDuplicateKey } from './json-duplicate-keys.js';

/** A file in a transfer. `size: null` marks one input stream of unknown length (SPEC.md §7). */
export interface FileEntry {
  type: 'file';
  path: string;
  size: number | null;
  mime?: string;
  mtime?: number;
}

/** A folder in a transfer; it may be empty. */
export interface DirEntry {
  type: 'dir';
  path: string;
  mtime?: number;
}

export type ManifestEntry = FileEntry | DirEntry;

/** The encrypted manifest: what the transfer contains and who sent it (SPEC.md §7). */
export interface Manifest {
  v: 1;
  sender: string;
  created?: number;
  padding: number;
  entries: ManifestEntry[];
}

export const MAX_ENTRIES = 100_000;
const MAX_PATH_BYTES = 4096;
const MAX_COMPONENT_BYTES = 255;
const TOP_KEYS = new Set(['v', 'sender', 'created', 'padding', 'entries']);
const FILE_KEYS = new Set(['type', 'path', 'size', 'mime', 'mtime']);
const DIR_KEYS = new Set(['type', 'path', 'mtime']);

function fail(detail: string): never {
  throw new DataCryptError('E_MANIFEST', detail);
}

function isSafeCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Checks one entry path against SPEC.md §7 and returns it; throws E_MANIFEST otherwise.
 * Decryptors call it before creating anything, since a hostile sender controls every path.
 * @example
 * validateEntryPath('photos/cat.jpg'); // ok
 * validateEntryPath('../etc/passwd');  // throws E_MANIFEST
 */
export function validateEntryPath(path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) fail('an entry path is empty or not a string');
  if (utf8(path).length > MAX_PATH_BYTES) fail('an entry path is longer than 4096 bytes');
  if (path.startsWith('/') || path.endsWith('/'))
    fail(`path ${JSON.stringify(path)} starts or ends with /`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\:]/u.test(path))
    fail(`path ${JSON.stringify(path)} has a forbidden character`);
  if (!path.isWellFormed()) fail('an entry path is not valid Unicode');
  for (const part of path.split('/')) {
    if (part === '' || part === '.' || part === '..')
      fail(`path ${JSON.stringify(path)} has an unsafe component`);
    if (utf8(part).length > MAX_COMPONENT_BYTES) fail('a path component is longer than 255 bytes');
  }
  return path;
}

function checkKeys(value: Record<string, unknown>, allowed: Set<string>, what: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) fail(`unknown key ${JSON.stringify(key)} in ${what}`);
  }
}

function parseEntry(raw: unknown): ManifestEntry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('an entry is not an object');
  const entry = raw as Record<string, unknown>;
  const path = validateEntryPath(entry['path']);
  const mtime = entry['mtime'];
  if (mtime !== undefined && !isSafeCount(mtime)) fail(`mtime of ${path} is not a valid time`);
  if (entry['type'] === 'dir') {
    checkKeys(entry, DIR_KEYS, 'a dir entry');
    return mtime === undefined ? { type: 'dir', path } : { type: 'dir', path, mtime };
  }
  if (entry['type'] !== 'file') fail('an entry type is neither "file" nor "dir"');
  checkKeys(entry, FILE_KEYS, 'a file entry');
  const size = entry['size'];
  if (size !== null && !isSafeCount(size)) fail(`size of ${path} is not a valid size`);
  const mime = entry['mime'];
  if (mime !== undefined && (typeof mime !== 'string' || !/^[\x20-\x7e]{1,255}$/u.test(mime))) {
    fail(`mime of ${path} is not 1-255 printable ASCII characters`);
  }
  const file: FileEntry = { type: 'file', path, size };
  if (mime !== undefined) file.mime = mime;
  if (mtime !== undefined) file.mtime = mtime;
  return file;
}

/**
 * Checks the tree rules: unique paths, nothing below a file, and the unknown-size rules.
 * @example
 * validateEntries(manifest.entries, manifest.padding);
 */
export function validateEntries(entries: readonly ManifestEntry[], padding: number): void {
  if (entries.length < 1 || entries.length > MAX_ENTRIES)
    fail(`a manifest has 1 to ${MAX_ENTRIES} entries`);
  const kinds = new Map<string, 'file' | 'dir'>();
  for (const entry of entries) {
    // Case-insensitive file systems would merge paths that differ only in case; refuse those too.
    const key = entry.path.normalize('NFC').toLowerCase();
    if (kinds.has(key)) fail(`two entries share the path ${JSON.stringify(entry.path)}`);
    kinds.set(key, entry.type);
  }
  for (const key of kinds.keys()) {
    const parts = key.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (kinds.get(parts.slice(0, i).join('/')) === 'file')
        fail(`an entry is below the file ${parts.slice(0, i).join('/')}`);
    }
  }
  const streamed = entries.some((e) => e.type === 'file' && e.size === null);
  if (streamed && (entries.length !== 1 || padding !== 0)) {
    fail('a stream of unknown size must be the only entry, without padding');
  }
}

/**
 * Parses and validates manifest bytes (SPEC.md §7, §9 step 11).
 * @example
 * const manifest = parseManifest(bytes); // throws E_MANIFEST on anything unexpected
 */
export function parseManifest(bytes: Uint8Array): Manifest {
  if (bytes.length < MIN_MANIFEST_LENGTH || bytes.length > MAX_MANIFEST_LENGTH)
    fail('manifest length out of range');
  let raw: unknown;
  let text: string;
  try {
    // ignoreBOM: true keeps a leading U+FEFF in the text, where JSON.parse rejects it (SPEC.md §7:
    // the manifest has no byte-order mark); with false the decoder would silently drop it.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    raw = JSON.parse(text);
  } catch (cause) {
    throw new DataCryptError('E_MANIFEST', 'the manifest is not UTF-8 JSON', { cause });
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== null) fail(`the manifest repeats the key ${JSON.stringify(duplicate)}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('the manifest is not a JSON object');
  const top = raw as Record<string, unknown>;
  checkKeys(top, TOP_KEYS, 'the manifest');
  if (top['v'] !== 1) fail('manifest version is not 1');
  if (typeof top['sender'] !== 'string') fail('the manifest has no sender');
  const padding = top['padding'];
  if (!isSafeCount(padding)) fail('padding is not a valid length');
  const created = top['created'];
  if (created !== undefined && !isSafeCount(created)) fail('created is not a valid time');
  const rawEntries = top['entries'];
  if (!Array.isArray(rawEntries)) fail('entries is not an array');
  const entries = rawEntries.map(parseEntry);
  validateEntries(entries, padding);
  const manifest: Manifest = { v: 1, sender: top['sender'], padding, entries };
  if (created !== undefined) manifest.created = created;
  return manifest;
}

/**
 * Serializes a manifest (validating it first, so an encryptor cannot produce what decryptors reject).
 * @example
 * const bytes = encodeManifest({ v: 1, sender, padding: 0, entries });
 */
export function encodeManifest(manifest: Manifest): Uint8Array {
  for (const entry of manifest.entries) parseEntry(entry);
  validateEntries(manifest.entries, manifest.padding);
  const bytes = utf8(JSON.stringify(manifest));
  if (bytes.length > MAX_MANIFEST_LENGTH)
    throw new DataCryptError('E_ARGUMENT', 'the manifest is larger than 16 MiB');
  return bytes;
}

/**
 * Total content bytes the manifest declares, or null for a stream of unknown size.
 * @example
 * contentLength(manifest) // sum of file sizes
 */
export function contentLength(manifest: Manifest): number | null {
  let total = 0;
  for (const entry of manifest.entries) {
    if (entry.type !== 'file') continue;
    if (entry.size === null) return null;
    total += entry.size;
  }
  if (!Number.isSafeInteger(total)) fail('the total size exceeds 2^53 - 1');
  return total;
}

/**
 * Padmé padding (Nikitin et al., PETS 2019): the padded length for an unpadded length `L`.
 * @example
 * padmeLength(1000) // 1024
 */
export function padmeLength(length: number): number {
  if (length < 2) return length;
  const e = floorLog2(length);
  const s = floorLog2(e) + 1;
  const lastBits = e - s;
  const mask = 2 ** lastBits - 1;
  // (L + mask) & ~mask, without 32-bit bitwise operators: lengths may exceed 2^32.
  return Math.ceil(length / (mask + 1)) * (mask + 1);
}

/** floor(log2(x)) for a positive safe integer, exact (Math.log2 rounds near powers of two). */
function floorLog2(x: number): number {
  let e = 0;
  while (2 ** (e + 1) <= x) e++;
  return e;
}
