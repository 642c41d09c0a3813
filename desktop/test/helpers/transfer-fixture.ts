import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Contacts, TransferEngine, type TransferEngineOptions } from '../../src/core/index.js';
import { makeProfile, signUp, startRelay, type Profile, type TestRelay } from './relay.js';

export { until } from './poll.js';

/**
 * Fixtures of the transfer engine tests: a real relay whose clock and data dir the test controls,
 * users with a profile, contacts and an engine, and file trees to send.
 */

export interface TransferRelay extends TestRelay {
  dataDir: string;
  /** Moves the relay's clock forward. */
  advance(ms: number): void;
  /** Blob part files of a transfer on disk (`<data>/blobs/<ab>/<id>/<n>`), by part number. */
  partFile(transferId: string, n: number): string;
}

/** A relay on 127.0.0.1 with small parts allowed (64 KiB) and a clock the test can move. */
export async function startTransferRelay(env: Record<string, string> = {}): Promise<TransferRelay> {
  let offset = 0;
  const relay = await startRelay(
    { DATACRYPT_MIN_PART_SIZE: String(64 * 1024), ...env },
    { now: () => Date.now() + offset },
  );
  return {
    ...relay,
    advance(ms) {
      offset += ms;
    },
    partFile: (id, n) => join(relay.dataDir, 'blobs', id.slice(0, 2), id, String(n)),
  };
}

export interface User extends Profile {
  contacts: Contacts;
  engine: TransferEngine;
  /** A fresh engine on the same profile (as after a restart). */
  newEngine(options?: Partial<TransferEngineOptions>): TransferEngine;
}

/** Registers a user on the relay and builds their contacts and engine (64 KiB parts). */
export async function makeUser(
  email: string,
  relay: TestRelay,
  options: Partial<TransferEngineOptions> & { relayUrl?: string } = {},
): Promise<User> {
  const profile = await makeProfile(email, options.relayUrl ?? relay.url);
  await signUp(profile, relay);
  const contacts = new Contacts({
    db: profile.db,
    accountId: profile.account.id,
    directory: profile.client,
    me: profile.identity.publicIdentity,
  });
  const newEngine = (extra: Partial<TransferEngineOptions> = {}) =>
    new TransferEngine({
      db: profile.db,
      accountId: profile.account.id,
      relay: profile.client,
      contacts,
      identities: async () =>
        (await profile.keyStore.all({ relayUrl: profile.client.relayUrl, email })).map(
          (s) => s.identity,
        ),
      profileDir: profile.dir,
      partSize: 64 * 1024,
      parallelism: 1,
      ...options,
      ...extra,
    });
  return { ...profile, contacts, engine: newEngine(), newEngine };
}

/** Writes a file of `size` random bytes. */
export async function randomFile(path: string, size: number): Promise<void> {
  await writeFile(path, randomBytes(size));
}

/** Every file under `dir` (relative path -> SHA-256 hex), for comparing trees. */
export async function treeDigest(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const full = join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else
        out[relative(dir, full)] = createHash('sha256')
          .update(await readFile(full))
          .digest('hex');
    }
  };
  if ((await stat(dir)).isDirectory()) await walk(dir);
  else
    out['.'] = createHash('sha256')
      .update(await readFile(dir))
      .digest('hex');
  return out;
}

/** A temp folder for inputs and outputs of one test file. */
export async function workDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'desktop-transfer-work-'));
  await mkdir(dir, { recursive: true });
  return dir;
}
