import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import {
  DataCryptError,
  ERROR_CODES,
  SIGNATURE_RECORD_LENGTH,
  TAG_LENGTH,
  headerLengthFromPrefix,
  parseHeader,
  type ErrorCode,
} from '../src/index.js';

/** A file the decryption must produce: SPEC.md §11 `files:` entries. */
export interface ExpectedFile {
  path: string;
  size: number;
  sha256: string;
}

export function sha256hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CODES, value);
}

/**
 * Runs `run` and asserts that it throws a DataCryptError with exactly `code`.
 * @example
 * await expectCode(() => decryptBytes(bad, { identity }), 'E_CHUNK_AUTH');
 */
export async function expectCode(
  run: () => Promise<unknown>,
  code: ErrorCode,
  what = '',
): Promise<void> {
  let outcome: unknown = 'success';
  try {
    await run();
  } catch (error) {
    outcome = error;
  }
  if (!(outcome instanceof DataCryptError)) {
    expect.fail(
      `${what}: expected ${code}, got ${outcome instanceof Error ? outcome.message : String(outcome)}`,
    );
  }
  expect(outcome.code, `${what}: ${outcome.message}`).toBe(code);
}

/** Where the header, each sealed chunk and the signature record sit in a well-formed file. */
export interface Layout {
  headerLength: number;
  chunkSize: number;
  chunks: { start: number; end: number }[];
  recordStart: number;
  payloadSize: number;
}

export function layoutOf(file: Uint8Array): Layout {
  const headerLength = headerLengthFromPrefix(file, true) ?? 0;
  const header = parseHeader(file.subarray(0, headerLength));
  const chunkSize = 2 ** header.chunkLog2;
  const sealed = chunkSize + TAG_LENGTH;
  const payloadLength = file.length - headerLength - SIGNATURE_RECORD_LENGTH;
  const chunks: { start: number; end: number }[] = [];
  for (let at = 0; at < payloadLength; at += sealed) {
    chunks.push({
      start: headerLength + at,
      end: headerLength + Math.min(at + sealed, payloadLength),
    });
  }
  return {
    headerLength,
    chunkSize,
    chunks,
    recordStart: headerLength + payloadLength,
    payloadSize: header.payloadSize,
  };
}

/** Every file and folder below `root`, as `/`-separated relative paths. */
export async function walk(
  root: string,
): Promise<{ files: Map<string, string>; dirs: Set<string> }> {
  const files = new Map<string, string>();
  const dirs = new Set<string>();
  const visit = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        dirs.add(rel);
        await visit(full, rel);
      } else {
        files.set(rel, full);
      }
    }
  };
  await visit(root, '');
  return { files, dirs };
}

/** Asserts that `root` holds exactly the expected files (and the given folders with their parents). */
export async function expectTree(
  root: string,
  expected: readonly ExpectedFile[],
  dirs: readonly string[],
  mtimes: ReadonlyMap<string, number> = new Map(),
): Promise<void> {
  const tree = await walk(root);
  const actual: ExpectedFile[] = [];
  for (const [path, full] of tree.files) {
    const data = await readFile(full);
    actual.push({ path, size: data.length, sha256: sha256hex(data) });
  }
  const byPath = (a: ExpectedFile, b: ExpectedFile): number =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  expect(actual.sort(byPath)).toEqual([...expected].sort(byPath));
  const wantDirs = new Set<string>();
  for (const path of [...dirs, ...expected.map((f) => f.path)]) {
    const parts = path.split('/');
    const upTo = dirs.includes(path) ? parts.length : parts.length - 1;
    for (let i = 1; i <= upTo; i++) wantDirs.add(parts.slice(0, i).join('/'));
  }
  expect([...tree.dirs].sort()).toEqual([...wantDirs].sort());
  for (const [path, mtime] of mtimes) {
    expect((await stat(join(root, ...path.split('/')))).mtimeMs, `mtime of ${path}`).toBe(mtime);
  }
}
