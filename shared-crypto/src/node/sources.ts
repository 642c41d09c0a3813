import { lstat, open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { DataCryptError } from '../errors.js';
import type { ContentReader, SourceEntry } from '../format/encrypt.js';

const MIME_BY_EXTENSION: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.mp4': 'video/mp4',
  '.mp3': 'audio/mpeg',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/**
 * A MIME type guessed from a file name, or undefined.
 * @example
 * guessMime('cat.JPG') // 'image/jpeg'
 */
export function guessMime(name: string): string | undefined {
  return MIME_BY_EXTENSION[extname(name).toLowerCase()];
}

/**
 * Reads a file straight into the caller's buffers with positioned reads.
 * @example
 * const reader = fileReader('big.iso'); await reader.readInto(buffer); await reader.close();
 */
export function fileReader(path: string): ContentReader {
  let handle: FileHandle | null = null;
  let position = 0;
  return {
    async readInto(target) {
      handle ??= await open(path, 'r');
      const { bytesRead } = await handle.read(target, 0, target.length, position);
      position += bytesRead;
      return bytesRead;
    },
    async close() {
      await handle?.close();
      handle = null;
    },
  };
}

function fileEntry(path: string, diskPath: string, size: number, mtimeMs: number): SourceEntry {
  const entry: SourceEntry = {
    type: 'file',
    path,
    size,
    mtime: Math.floor(mtimeMs),
    read: () => fileReader(diskPath),
  };
  const mime = guessMime(path);
  if (mime !== undefined) entry.mime = mime;
  return entry;
}

async function walk(diskDir: string, prefix: string, out: SourceEntry[]): Promise<void> {
  const items = await readdir(diskDir, { withFileTypes: true });
  items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const item of items) {
    const diskPath = join(diskDir, item.name);
    const path = `${prefix}/${item.name}`;
    // Symbolic links are skipped: following them could send files from outside the chosen folder.
    if (item.isDirectory()) {
      const info = await stat(diskPath);
      out.push({ type: 'dir', path, mtime: Math.floor(info.mtimeMs) });
      await walk(diskPath, path, out);
    } else if (item.isFile()) {
      const info = await stat(diskPath);
      out.push(fileEntry(path, diskPath, info.size, info.mtimeMs));
    }
  }
}

/**
 * Turns files and folders on disk into transfer entries: a file becomes one entry named after it,
 * a folder becomes its whole tree under its own name. Symbolic links inside folders are skipped.
 * @example
 * const entries = await sourcesFromPaths(['report.pdf', 'photos/']);
 */
export async function sourcesFromPaths(paths: readonly string[]): Promise<SourceEntry[]> {
  if (paths.length === 0) throw new DataCryptError('E_ARGUMENT', 'no input files');
  const out: SourceEntry[] = [];
  const names = new Set<string>();
  for (const input of paths) {
    const diskPath = resolve(input);
    let info;
    try {
      info = await lstat(diskPath);
      if (info.isSymbolicLink()) info = await stat(diskPath);
    } catch (cause) {
      throw new DataCryptError('E_IO', `cannot read ${input}`, { cause });
    }
    const name = basename(diskPath);
    if (names.has(name)) throw new DataCryptError('E_ARGUMENT', `two inputs are named ${name}`);
    names.add(name);
    if (info.isDirectory()) {
      out.push({ type: 'dir', path: name, mtime: Math.floor(info.mtimeMs) });
      await walk(diskPath, name, out);
    } else if (info.isFile()) {
      out.push(fileEntry(name, diskPath, info.size, info.mtimeMs));
    } else {
      throw new DataCryptError('E_ARGUMENT', `${input} is neither a file nor a folder`);
    }
  }
  return out;
}
