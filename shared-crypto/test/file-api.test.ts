import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  chunkLayout,
  decryptStream,
  headerLengthFromPrefix,
  openHeader,
  decryptToPath,
  encryptPaths,
  fileSystemSink,
  inlineExecutor,
  encryptStreamTo,
  isDataCryptError,
  sourcesFromPaths,
} from '../src/index.js';
import { digestOf, inPieces, tempDir, testBytes, testIdentity } from './helpers.js';

const alice = testIdentity('alice');
const bob = testIdentity('bob');
const mallory = testIdentity('mallory');
const params = { sender: alice, recipients: [bob.publicIdentity] };

let dir: { path: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.cleanup();
});

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error: unknown = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(isDataCryptError(error) ? error.code : error).toBe(code);
}

describe('file API', () => {
  it('encrypts a folder tree with an empty folder and restores names, bytes and times', async () => {
    const src = join(dir.path, 'src', 'album');
    await mkdir(join(src, 'nested', 'deeper'), { recursive: true });
    await mkdir(join(src, 'empty'));
    const files = {
      'a.txt': testBytes(10, 'a'),
      'nested/b.bin': testBytes(200_000, 'b'),
      'nested/deeper/c.png': testBytes(0, 'c'),
    };
    for (const [name, data] of Object.entries(files)) await writeFile(join(src, name), data);
    await symlink('/etc/passwd', join(src, 'link-outside'));

    const out = join(dir.path, 'album.dcrypt');
    const result = await encryptPaths([src], out, params, { parallelism: 2 });
    const paths = result.manifest.entries.map((e) => `${e.type}:${e.path}`);
    expect(paths).toContain('dir:album/empty');
    expect(paths).toContain('file:album/nested/deeper/c.png');
    expect(paths.some((p) => p.includes('link-outside'))).toBe(false);
    expect((await stat(out)).size).toBe(result.size);

    const dest = join(dir.path, 'dest');
    const decrypted = await decryptToPath(
      out,
      { mode: 'auto', path: dest },
      { identity: bob, expectedSender: alice.publicIdentity },
    );
    expect(decrypted.outputs).toEqual([join(dest, 'album')]);
    for (const [name, data] of Object.entries(files)) {
      expect(digestOf(await readFile(join(dest, 'album', name)))).toBe(digestOf(data));
    }
    expect(await readdir(join(dest, 'album', 'empty'))).toEqual([]);
    const original = await stat(join(src, 'nested', 'b.bin'));
    const restored = await stat(join(dest, 'album', 'nested', 'b.bin'));
    // The manifest keeps whole milliseconds; file systems keep nanoseconds.
    expect(Math.abs(restored.mtimeMs - original.mtimeMs)).toBeLessThan(1);
    expect(await readdir(dest)).toEqual(['album']);
  });

  it('a single file decrypts to the exact output path, and never over an existing one', async () => {
    const input = join(dir.path, 'report.pdf');
    await writeFile(input, testBytes(70_000, 'report'));
    const out = join(dir.path, 'report.pdf.dcrypt');
    const result = await encryptPaths([input], out, params);
    expect(result.manifest.entries).toEqual([
      expect.objectContaining({ path: 'report.pdf', mime: 'application/pdf', size: 70_000 }),
    ]);
    await expectCode(encryptPaths([input], out, params), 'E_OUTPUT_EXISTS');

    const target = join(dir.path, 'copy.pdf');
    await decryptToPath(out, { mode: 'auto', path: target }, { identity: bob });
    expect(digestOf(await readFile(target))).toBe(digestOf(await readFile(input)));
    await expectCode(
      decryptToPath(out, { mode: 'auto', path: target }, { identity: bob }),
      'E_OUTPUT_EXISTS',
    );
    expect((await readdir(dir.path)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('failures leave no output and no temporary files', async () => {
    const input = join(dir.path, 'secret.txt');
    await writeFile(input, testBytes(300_000, 'secret'));
    const out = join(dir.path, 'secret.dcrypt');
    await encryptPaths([input], out, params, { parallelism: 2 });
    const bytes = await readFile(out);

    const cases: [string, Uint8Array, string][] = [];
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 500] = (flipped[bytes.length - 500] ?? 0) ^ 1;
    cases.push(['tampered', flipped, 'E_CHUNK_AUTH']);
    cases.push(['truncated', bytes.subarray(0, bytes.length - 200), 'E_TRUNCATED']);
    cases.push(['appended', Buffer.concat([bytes, Buffer.from([0])]), 'E_FORMAT']);
    for (const [name, data, code] of cases) {
      const path = join(dir.path, `${name}.dcrypt`);
      await writeFile(path, data);
      const dest = join(dir.path, `out-${name}`);
      await expectCode(
        decryptToPath(path, { mode: 'directory', path: dest }, { identity: bob }),
        code,
      );
      await expect(stat(dest)).rejects.toThrow('ENOENT');
    }
    const wrongSender = join(dir.path, 'out-wrong-sender');
    await mkdir(wrongSender);
    await expectCode(
      decryptToPath(
        out,
        { mode: 'directory', path: wrongSender },
        { identity: bob, expectedSender: mallory.publicIdentity },
      ),
      'E_SIGNATURE',
    );
    expect(await readdir(wrongSender)).toEqual([]);
    const single = join(dir.path, 'single.txt');
    await expectCode(
      decryptToPath(out, { mode: 'auto', path: single }, { identity: mallory }),
      'E_NOT_RECIPIENT',
    );
    await expect(stat(single)).rejects.toThrow();
    expect((await readdir(dir.path)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('keepOnAbort leaves the verified plaintext staged for a resume, and releases nothing', async () => {
    const data = testBytes(3_000_000, 'kept');
    const input = join(dir.path, 'kept.bin');
    await writeFile(input, data);
    const file = join(dir.path, 'kept.dcrypt');
    await encryptPaths([input], file, params);
    const bytes = await readFile(file);
    // Tampered near the end: everything before it verified and reached the staging folder.
    bytes[bytes.length - 1000] = (bytes[bytes.length - 1000] ?? 0) ^ 1;
    const dest = join(dir.path, 'kept-out');
    await expectCode(
      decryptStream(
        inPieces(bytes, [65536]),
        { identity: bob },
        {
          executor: inlineExecutor(),
          sink: fileSystemSink({ mode: 'directory', path: dest }, { keepOnAbort: true }),
        },
      ),
      'E_CHUNK_AUTH',
    );
    const left = await readdir(dest);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^\.dcrypt-partial-[0-9a-f]{16}$/);
    const staged = await readFile(join(dest, left[0] ?? '', 'kept.bin'));
    expect(staged.length).toBeGreaterThan(2 * 1024 * 1024 - 4096);
    expect(staged.length).toBeLessThan(data.length);
    expect(digestOf(staged)).toBe(digestOf(data.subarray(0, staged.length)));
  });

  it('a resumed decryption continues in the kept folder: nothing copied, the output exact', async () => {
    const src = join(dir.path, 'pair');
    await mkdir(src);
    const a = testBytes(1_500_000, 'pair-a');
    const b = testBytes(1_700_000, 'pair-b');
    await writeFile(join(src, 'a.bin'), a);
    await writeFile(join(src, 'b.bin'), b);
    const file = join(dir.path, 'pair.dcrypt');
    await encryptPaths([src], file, params);
    const bytes = await readFile(file);
    const tampered = Buffer.from(bytes);
    tampered[bytes.length - 1000] = (tampered[bytes.length - 1000] ?? 0) ^ 1;

    // First run: fails near the end, keeping what it verified; the wrapper keeps M's bytes.
    const dest = join(dir.path, 'pair-out');
    let manifestBytes = new Uint8Array(0);
    const first = fileSystemSink({ mode: 'directory', path: dest }, { keepOnAbort: true });
    await expectCode(
      decryptStream(
        inPieces(tampered, [65536]),
        { identity: bob },
        {
          executor: inlineExecutor(),
          sink: {
            ...first,
            begin: (manifest, sender, m) => {
              manifestBytes = new Uint8Array(m);
              return first.begin(manifest, sender, m);
            },
          },
        },
      ),
      'E_CHUNK_AUTH',
    );
    const partial = join(dest, (await readdir(dest))[0] ?? '');
    const keptB = (await stat(join(partial, 'pair', 'b.bin'))).size;
    expect(keptB).toBeGreaterThan(0);

    // Resume: the whole chunks of u32(len M) || M || a || b-prefix are replayed, the rest fetched.
    const headerLength = headerLengthFromPrefix(bytes, true) ?? 0;
    const layout = chunkLayout(openHeader(bytes.subarray(0, headerLength), bob));
    const have = 4 + manifestBytes.length + a.length + keptB;
    const chunks = Math.floor(have / layout.chunkSize);
    const lengthField = Buffer.alloc(4);
    lengthField.writeUInt32BE(manifestBytes.length);
    const plaintext = Buffer.concat([lengthField, manifestBytes, a, b.subarray(0, keptB)]);
    const prefix = () => inPieces(plaintext.subarray(0, chunks * layout.chunkSize), [100_000]);
    const contentBytes = chunks * layout.chunkSize - 4 - manifestBytes.length;
    const rest = () =>
      inPieces(
        Buffer.concat([bytes.subarray(0, headerLength), bytes.subarray(layout.offset(chunks))]),
        [65536],
      );
    const resumeInto = (staging: string, kept: number) =>
      decryptStream(
        rest(),
        { identity: bob },
        {
          executor: inlineExecutor(),
          sink: fileSystemSink(
            { mode: 'directory', path: dest },
            { keepOnAbort: true, resume: { staging, contentBytes: kept } },
          ),
          prefix: { chunks, plaintext: prefix() },
        },
      );
    // A folder outside the destination, or a count that disagrees with the replay, is refused.
    await expectCode(
      resumeInto(join(dir.path, '.dcrypt-partial-0000000000000000'), contentBytes),
      'E_ARGUMENT',
    );
    await expectCode(resumeInto(partial, contentBytes - 1), 'E_ARGUMENT');
    const inode = (await stat(join(partial, 'pair', 'b.bin'))).ino;
    await resumeInto(partial, contentBytes);
    expect(await readdir(dest)).toEqual(['pair']);
    expect(digestOf(await readFile(join(dest, 'pair', 'a.bin')))).toBe(digestOf(a));
    expect(digestOf(await readFile(join(dest, 'pair', 'b.bin')))).toBe(digestOf(b));
    // The same file, continued in place: not a copy.
    expect((await stat(join(dest, 'pair', 'b.bin'))).ino).toBe(inode);
  });

  it('streams of unknown length round-trip through stdin/stdout-style streams', async () => {
    const data = testBytes(1_000_000, 'stream');
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    const result = await encryptStreamTo(inPieces(data, [4096, 100_000, 3]), sink, params, {
      name: 'stdin',
    });
    expect(result.manifest.entries).toEqual([{ type: 'file', path: 'stdin', size: null }]);
    const target = join(dir.path, 'stdin.out');
    await decryptToPath(
      inPieces(Buffer.concat(chunks), [65_551, 17]),
      { mode: 'auto', path: target },
      { identity: bob },
    );
    expect(digestOf(await readFile(target))).toBe(digestOf(data));
  });

  it('refuses two inputs with the same name and missing inputs', async () => {
    await mkdir(join(dir.path, 'x'));
    await mkdir(join(dir.path, 'y'));
    await writeFile(join(dir.path, 'x', 'same.txt'), 'x');
    await writeFile(join(dir.path, 'y', 'same.txt'), 'y');
    await expectCode(
      sourcesFromPaths([join(dir.path, 'x', 'same.txt'), join(dir.path, 'y', 'same.txt')]),
      'E_ARGUMENT',
    );
    await expectCode(sourcesFromPaths([join(dir.path, 'missing')]), 'E_IO');
    await expectCode(sourcesFromPaths([]), 'E_ARGUMENT');
  });

  it('detects a file that changes size while it is encrypted', async () => {
    const input = join(dir.path, 'growing.bin');
    await writeFile(input, testBytes(5000, 'g'));
    const entry = (await sourcesFromPaths([input])).at(0);
    if (entry?.type !== 'file') throw new Error('expected a file entry');
    await writeFile(input, testBytes(9000, 'g'));
    const { encryptToFile } = await import('../src/index.js');
    await expectCode(encryptToFile([entry], join(dir.path, 'g.dcrypt'), params), 'E_IO');
    expect(await readdir(dir.path)).toEqual(['growing.bin']);
  });
});
