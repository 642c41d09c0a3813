import { createReadStream } from 'node:fs';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  chunkLayout,
  openHeader,
  parseManifest,
  type ChunkLayout,
  type FileEntry,
  type Manifest,
  type OpenedHeader,
  type ResumePrefix,
  type SecretIdentity,
} from '@datacrypt/shared-crypto';

/**
 * The staging folder of a receive, inside its destination (same file system: the release is a
 * rename). It is what a killed or failed receive resumes from, without keeping the ciphertext:
 *
 *     .datacrypt-receiving-<local id>/
 *       header                       the file's header, as downloaded
 *       manifest                     the manifest M, exactly as in the payload
 *       out/.dcrypt-partial-<hex>/   plaintext the decryptor verified chunk by chunk (the sink)
 *       out/<name>                   outputs of a decryption that completed, before their release
 *
 * Payload plaintext P is u32be(len M) || M || the files' bytes in manifest order (SPEC.md §6.2),
 * and the sink writes the files in that order, so the staged files rebuild a prefix of P. Its
 * whole chunks are replayed into the resumed decryption (shared-crypto `ResumePrefix`), which
 * hashes them into the signed digest: one changed byte on disk fails the signature (E_SIGNATURE)
 * and the receive then starts over from the relay. The resumed sink continues in the same folder
 * (`fileSystemSink` `resume`): the kept bytes stay where they are, nothing is copied.
 * @module
 */

/** The staging folder of local receive `id` in `outDir`. */
export function stagingDir(outDir: string, id: string): string {
  return join(outDir, `.datacrypt-receiving-${id}`);
}

const PARTIAL = /^\.dcrypt-partial-[0-9a-f]{16}$/;

/** Where the sink writes, inside a staging folder. */
export function sinkTarget(staging: string): string {
  return join(staging, 'out');
}

/** Keeps the header for a later resume. */
export async function saveHeader(staging: string, header: Uint8Array): Promise<void> {
  await writeFile(join(staging, 'header'), header, { mode: 0o600 });
}

/** Keeps the manifest bytes for a later resume. */
export async function saveManifest(staging: string, manifestBytes: Uint8Array): Promise<void> {
  await writeFile(join(staging, 'manifest'), manifestBytes, { mode: 0o600 });
}

/** A resume from staged plaintext: the header, where the download continues, and the prefix. */
export interface StagedResume {
  identity: SecretIdentity;
  header: Uint8Array;
  opened: OpenedHeader;
  layout: ChunkLayout;
  /** The resume prefix for `decryptStream` (read lazily from the staged files). */
  prefix: ResumePrefix;
  /** The ciphertext offset the download continues from (`layout.offset(prefix.chunks)`). */
  resumeOffset: number;
  /** The staged folder the prefix is read from, and that the resumed sink continues in. */
  partial: string;
  /** How many bytes of content (the files in manifest order) the prefix holds. */
  contentBytes: number;
}

/** Bytes of each file entry, in manifest order, that a partial folder holds; null if it is off. */
async function stagedContent(partial: string, manifest: Manifest): Promise<number | null> {
  let total = 0;
  for (const entry of manifest.entries) {
    if (entry.type !== 'file') continue;
    const size = (await stat(join(partial, entry.path)).catch(() => null))?.size ?? 0;
    const declared = entry.size ?? Infinity;
    if (size > declared) return null;
    total += size;
    if (size < declared) break;
  }
  return total;
}

async function* prefixBytes(
  partial: string,
  manifest: Manifest,
  manifestBytes: Uint8Array,
  length: number,
): AsyncGenerator<Uint8Array> {
  const lengthField = Buffer.alloc(4);
  lengthField.writeUInt32BE(manifestBytes.length);
  let left = length;
  for (const piece of [lengthField, manifestBytes]) {
    const take = piece.subarray(0, Math.min(left, piece.length));
    left -= take.length;
    if (take.length > 0) yield take;
  }
  const files = manifest.entries.filter((e): e is FileEntry => e.type === 'file');
  for (const entry of files) {
    if (left === 0) return;
    const take = Math.min(left, entry.size ?? Infinity);
    if (take === 0) continue;
    const stream = createReadStream(join(partial, entry.path), {
      start: 0,
      end: take - 1,
      highWaterMark: 1024 * 1024,
    });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      left -= chunk.length;
      yield chunk;
    }
  }
}

/**
 * Finds what a receive can resume from in its staging folder, or null (start from the relay's
 * first byte; the folder is then emptied). Keeps only the partial folder with the most plaintext.
 * `size` is the ciphertext size the relay lists: a staged header for another size is stale.
 */
export async function planStagedResume(
  staging: string,
  identities: readonly SecretIdentity[],
  size: number,
): Promise<StagedResume | null> {
  const target = sinkTarget(staging);
  const found = await (async () => {
    const [header, manifestBytes] = await Promise.all([
      readFile(join(staging, 'header')).catch(() => null),
      readFile(join(staging, 'manifest')).catch(() => null),
    ]);
    if (header === null || manifestBytes === null) return null;
    let opened: OpenedHeader | null = null;
    let identity: SecretIdentity | null = null;
    for (const candidate of identities) {
      try {
        opened = openHeader(header, candidate);
        identity = candidate;
        break;
      } catch {
        // Not this identity's (or damaged): the next one, else no resume.
      }
    }
    if (opened === null || identity === null) return null;
    let layout: ChunkLayout;
    let manifest: Manifest;
    try {
      layout = chunkLayout(opened);
      manifest = parseManifest(manifestBytes);
    } catch {
      return null;
    }
    if (layout.fileLength !== size) return null;
    let best: { partial: string; content: number } | null = null;
    for (const name of await readdir(target).catch(() => [])) {
      if (!PARTIAL.test(name)) continue;
      const partial = join(target, name);
      const content = await stagedContent(partial, manifest);
      if (content !== null && (best === null || content > best.content)) {
        best = { partial, content };
      }
    }
    if (best === null) return null;
    const plaintext = 4 + manifestBytes.length + best.content;
    const chunks = Math.min(Math.floor(plaintext / layout.chunkSize), layout.chunkCount - 1);
    if (chunks < 1) return null;
    const partial = best.partial;
    const prefix: ResumePrefix = {
      chunks,
      plaintext: prefixBytes(partial, manifest, manifestBytes, chunks * layout.chunkSize),
    };
    return {
      identity,
      header,
      opened,
      layout,
      prefix,
      resumeOffset: layout.offset(chunks),
      partial,
      contentBytes: Math.max(0, chunks * layout.chunkSize - 4 - manifestBytes.length),
    };
  })();
  // Everything else in the sink's folder is of no use: other partials, and outputs of a run that
  // completed but was killed before it released them (verified, but its receipt was never sent).
  for (const name of await readdir(target).catch(() => [])) {
    if (found === null || join(target, name) !== found.partial) {
      await rm(join(target, name), { recursive: true, force: true });
    }
  }
  if (found === null) {
    await rm(join(staging, 'header'), { force: true });
    await rm(join(staging, 'manifest'), { force: true });
  }
  return found;
}
