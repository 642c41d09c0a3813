import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { generateIdentity, isDataCryptError } from '@datacrypt/shared-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decryptToStream,
  describeIdentity,
  encryptPlan,
  loadIdentityFile,
  loadRecipientsFile,
  NotSingleFileError,
  passphraseFromEnv,
  passphraseFromFile,
  planPaths,
  saveIdentityFile,
} from '../src/core/index.js';
import { listTree, patternBytes, workspace } from './helpers/cli.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await workspace());
});
afterAll(() => cleanup());

function collector(): { stream: Writable; bytes: () => Buffer } {
  const parts: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      parts.push(chunk);
      callback();
    },
  });
  return { stream, bytes: () => Buffer.concat(parts) };
}

describe('desktop core', () => {
  it('saves identity files with mode 0600, refuses to overwrite, and loads them back', async () => {
    const id = generateIdentity();
    const path = join(dir, 'id.key');
    await saveIdentityFile(path, id);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const loaded = await loadIdentityFile(path);
    expect(loaded.encrypted).toBe(false);
    expect(loaded.warning).toBeNull();
    expect(describeIdentity(loaded.identity)).toEqual(describeIdentity(id));
    await expect(saveIdentityFile(path, generateIdentity())).rejects.toSatisfy((e) =>
      isDataCryptError(e, 'E_OUTPUT_EXISTS'),
    );

    const locked = join(dir, 'locked.key');
    await saveIdentityFile(locked, id, { passphrase: 'pw', scryptLog2N: 10 });
    await expect(loadIdentityFile(locked)).rejects.toSatisfy((e) =>
      isDataCryptError(e, 'E_PASSPHRASE'),
    );
    const unlocked = await loadIdentityFile(locked, () => Promise.resolve('pw'));
    expect(unlocked.encrypted).toBe(true);
    expect(describeIdentity(unlocked.identity).publicIdentity).toBe(
      describeIdentity(id).publicIdentity,
    );
    // Only the final file is left in the folder (no temporary files).
    expect(await listTree(dir)).toEqual(['id.key', 'locked.key']);
  });

  it('reads passphrases from the first line of a file or from the environment', async () => {
    await writeFile(join(dir, 'pw.txt'), 'line one\r\nline two\n');
    expect(await passphraseFromFile(join(dir, 'pw.txt'))).toBe('line one');
    expect(passphraseFromEnv({ P: 'secret\n' }, 'P')).toBe('secret');
    expect(() => passphraseFromEnv({}, 'P')).toThrow(/E_PASSPHRASE/u);
  });

  it('parses recipients files with comments and blank lines', async () => {
    const a = describeIdentity(generateIdentity()).publicIdentity;
    const b = describeIdentity(generateIdentity()).publicIdentity;
    await writeFile(join(dir, 'r.txt'), `# team\n\n  ${a}  \n# ${b} commented out\n${b}\n`);
    expect(await loadRecipientsFile(join(dir, 'r.txt'))).toHaveLength(2);
    await writeFile(join(dir, 'none.txt'), '# nobody\n');
    await expect(loadRecipientsFile(join(dir, 'none.txt'))).rejects.toThrow(/E_IDENTITY/u);
  });

  it('decryptToStream releases a single file and refuses folders before writing anything', async () => {
    const sender = generateIdentity();
    const me = generateIdentity();
    const src = join(dir, 'src');
    await mkdir(join(src, 'folder'), { recursive: true });
    const content = patternBytes(50_000, 5);
    await writeFile(join(src, 'one.bin'), content);
    await writeFile(join(src, 'folder', 'two.txt'), 'two');
    const params = { sender, recipients: [me.publicIdentity] };
    await encryptPlan(
      await planPaths([join(src, 'one.bin')]),
      { file: join(dir, 'one.dcrypt') },
      params,
      {
        parallelism: 0,
      },
    );
    await encryptPlan(
      await planPaths([join(src, 'folder')]),
      { file: join(dir, 'folder.dcrypt') },
      params,
      {
        parallelism: 0,
      },
    );

    const out = collector();
    const progress: number[] = [];
    const result = await decryptToStream(
      join(dir, 'one.dcrypt'),
      out.stream,
      { identity: me },
      {
        parallelism: 0,
        onProgress: (n) => progress.push(n),
      },
    );
    expect(out.bytes()).toEqual(content);
    expect(result.entry.path).toBe('one.bin');
    expect(progress.at(-1)).toBeGreaterThan(content.length);

    const refused = collector();
    const error: unknown = await decryptToStream(
      join(dir, 'folder.dcrypt'),
      refused.stream,
      { identity: me },
      {
        parallelism: 0,
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotSingleFileError);
    expect((error as NotSingleFileError).entries).toBe(2);
    expect(refused.bytes().length).toBe(0);
    expect(await readFile(join(dir, 'one.dcrypt'))).toBeTruthy();
  });
});
