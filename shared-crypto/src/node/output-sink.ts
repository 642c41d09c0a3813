import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, rmdir, utimes, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { DataCryptError } from '../errors.js';
import { pathExists } from './path-exists.js';
import type { DecryptSink } from '../format/decrypt.js';
import type { FileEntry, Manifest } from '../format/manifest.js';

function inside(root: string, path: string): string {
  const full = resolve(root, path);
  const rel = relative(root, full);
  // The manifest validator already refuses such paths; this is the last line of defence.
  if (rel === '' || rel.startsWith('..') || rel.includes(`..${sep}`) || resolve(full) !== full) {
    throw new DataCryptError('E_MANIFEST', `unsafe path ${JSON.stringify(path)}`);
  }
  return full;
}

/** Where a decrypted transfer is released once it verifies. */
export interface OutputTarget {
  /**
   * `auto`: a transfer of exactly one file and no folders becomes `path` itself; anything else
   * is extracted into the folder `path` (created if missing). `directory`: always extract into it.
   */
  mode: 'auto' | 'directory';
  path: string;
}

/** How a file-system sink treats durability and failures. */
export interface FileSystemSinkOptions {
  /** fsync every file before it is released. */
  durable?: boolean;
  /**
   * On abort, close the files but leave the staging folder: its verified plaintext is what a
   * resumed decryption replays (`ResumePrefix`). The caller then owns the folder and MUST delete
   * it once it is of no use; nothing in it is ever released without a successful decryption.
   */
  keepOnAbort?: boolean;
  /**
   * Continue in the staging folder an earlier run of this sink left with `keepOnAbort` (a
   * `.dcrypt-partial-*` folder in the destination), whose files hold the first `contentBytes`
   * bytes of the content (the files' bytes in manifest order): instead of a new folder, the sink
   * keeps those bytes in place, overwrites (and on commit cuts) anything after them, and drops
   * the first `contentBytes` bytes it is given (a decryption resumed with the same plaintext as its `ResumePrefix` replays
   * them). Nothing is copied, and the disk holds the transfer once.
   */
  resume?: { staging: string; contentBytes: number };
}

/**
 * A DecryptSink that writes into a private temporary folder next to the destination and renames
 * into place only on commit; abort removes everything (SPEC.md §9: no partial plaintext).
 * @example
 * await decryptStream(input, params, { executor, sink: fileSystemSink({ mode: 'auto', path: 'out.pdf' }) });
 */
export function fileSystemSink(
  target: OutputTarget,
  options: FileSystemSinkOptions = {},
): DecryptSink & { released: () => string[] } {
  const destination = resolve(target.path);
  let staging: string | null = null;
  let single: FileEntry | null = null;
  let entries: Manifest['entries'] = [];
  /** Per open file: its handle, where its next byte goes, how many given bytes to drop. */
  const files = new Map<number, { handle: FileHandle; position: number; skip: number }>();
  let released: string[] = [];
  // The first folder this sink created for the destination, so a failure can remove what it made.
  let createdFrom: string | undefined;

  const closeAll = async (): Promise<void> => {
    const all = [...files.values()];
    files.clear();
    await Promise.all(all.map((f) => f.handle.close().catch(() => undefined)));
  };
  const stagedPath = (entryPath: string): string => {
    if (staging === null) throw new DataCryptError('E_IO', 'output is not ready');
    return single !== null ? join(staging, 'file') : inside(staging, entryPath);
  };
  const finalPaths = (): { from: string; to: string }[] => {
    if (staging === null) return [];
    if (single !== null) return [{ from: join(staging, 'file'), to: destination }];
    const tops = new Set(entries.map((e) => e.path.split('/')[0] ?? e.path));
    return [...tops].map((top) => ({
      from: join(staging ?? '', top),
      to: inside(destination, top),
    }));
  };

  return {
    released: () => released,
    async begin(manifest) {
      entries = manifest.entries;
      const only = manifest.entries.at(0);
      single =
        target.mode === 'auto' && manifest.entries.length === 1 && only?.type === 'file'
          ? only
          : null;
      const parent = single !== null ? dirname(destination) : destination;
      if (single === null) createdFrom = await mkdir(destination, { recursive: true });
      const resume = options.resume;
      if (resume !== undefined) {
        const kept = resolve(resume.staging);
        if (
          dirname(kept) !== parent ||
          !/^\.dcrypt-partial-[0-9a-f]{16}$/u.test(basename(kept)) ||
          !Number.isSafeInteger(resume.contentBytes) ||
          resume.contentBytes < 0
        ) {
          throw new DataCryptError('E_ARGUMENT', `${kept} is not a staging folder of ${parent}`);
        }
        staging = kept;
      } else {
        staging = join(parent, `.dcrypt-partial-${randomBytes(8).toString('hex')}`);
      }
      for (const { to } of finalPaths()) {
        if (await pathExists(to))
          throw new DataCryptError('E_OUTPUT_EXISTS', `${to} already exists`);
      }
      if (resume === undefined) await mkdir(staging, { mode: 0o700 });
      let contentAt = 0;
      for (const [index, entry] of manifest.entries.entries()) {
        const path = stagedPath(entry.path);
        if (entry.type === 'dir') {
          await mkdir(path, { recursive: true });
          continue;
        }
        await mkdir(dirname(path), { recursive: true });
        if (resume === undefined) {
          files.set(index, { handle: await open(path, 'wx', 0o600), position: 0, skip: 0 });
          continue;
        }
        // The part of this file that is already in place: up to the kept content, at most its size.
        const size = entry.size ?? Infinity;
        const kept = Math.max(0, Math.min(size, resume.contentBytes - contentAt));
        contentAt += Number.isFinite(size) ? size : 0;
        // Kept bytes are neither cut nor rewritten here: a caller whose count disagrees with the
        // replay fails on the first write (E_ARGUMENT) with the folder as it was. Whatever lies
        // past them is overwritten, and cut off on commit.
        const handle = await open(path, kept > 0 ? 'r+' : 'w', 0o600);
        files.set(index, { handle, position: kept, skip: kept });
        if ((await handle.stat()).size < kept) {
          throw new DataCryptError('E_ARGUMENT', `${path} holds less than the kept content`);
        }
      }
    },
    async write(_entry, index, bytes, replayed) {
      const cursor = files.get(index);
      if (cursor === undefined)
        throw new DataCryptError('E_IO', 'write to a file that is not open');
      // In a resumed folder the replayed bytes are exactly those in place (see `resume`): they are
      // dropped, and they must be exactly the kept ones.
      const inPlace = options.resume !== undefined && replayed;
      if (
        options.resume !== undefined &&
        (replayed ? bytes.length > cursor.skip : cursor.skip > 0)
      ) {
        throw new DataCryptError(
          'E_ARGUMENT',
          'the kept content does not match the replayed plaintext of the resumed decryption',
        );
      }
      let at = inPlace ? bytes.length : 0;
      cursor.skip -= at;
      while (at < bytes.length) {
        const { bytesWritten } = await cursor.handle.write(
          bytes,
          at,
          bytes.length - at,
          cursor.position,
        );
        at += bytesWritten;
        cursor.position += bytesWritten;
      }
    },
    async commit() {
      if (options.resume !== undefined) {
        for (const { handle, position } of files.values()) await handle.truncate(position);
      }
      if (options.durable === true) for (const { handle } of files.values()) await handle.sync();
      await closeAll();
      // Folders last and deepest first, so writing files inside them does not reset their times.
      const timed = entries.filter((e) => e.mtime !== undefined).reverse();
      for (const entry of timed) {
        const when = new Date(entry.mtime ?? 0);
        await utimes(stagedPath(entry.path), when, when);
      }
      const moves = finalPaths();
      for (const { to } of moves) {
        if (await pathExists(to))
          throw new DataCryptError('E_OUTPUT_EXISTS', `${to} already exists`);
      }
      for (const { from, to } of moves) await rename(from, to);
      released = moves.map((m) => m.to);
      if (staging !== null) await rm(staging, { recursive: true, force: true });
      staging = null;
    },
    async abort() {
      await closeAll();
      if (options.keepOnAbort === true) return;
      if (staging !== null) await rm(staging, { recursive: true, force: true });
      staging = null;
      if (createdFrom !== undefined) {
        // rmdir, not rm -r: only folders this sink created and that are still empty go away.
        for (let folder = destination; ; folder = dirname(folder)) {
          await rmdir(folder).catch(() => undefined);
          if (folder === createdFrom || folder === dirname(folder)) break;
        }
      }
    },
  };
}
