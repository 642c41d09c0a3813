import { join } from 'node:path';
import {
  Contacts,
  LocalDb,
  PassphraseFileKeyStore,
  RelayClient,
  TransferEngine,
  type TransferHandle,
  type TransferProgress,
} from '../../src/core/index.js';

/*
 * A separate process running one user's engine on an existing test profile, so tests can SIGKILL
 * it mid-transfer. Input: CHILD_JOB (JSON). It logs in itself (its own relay session) and starts
 * the job. A send pauses once `pauseAt` bytes are uploaded and, once the spool is complete, prints
 * one JSON line `{"ready":...}`. A receive prints it at once (the test stalls its download with a
 * proxy, see stall-proxy.ts). Then the process waits to be killed.
 */

interface Job {
  profileDir: string;
  relayUrl: string;
  /** Where the client sends its calls (a proxy in front of the relay), default `relayUrl`. */
  clientUrl?: string;
  email: string;
  password: string;
  mode: 'send' | 'receive';
  paths?: string[];
  recipients?: string[];
  relayTransferId?: string;
  outDir?: string;
  keepEncryptedCopy?: boolean;
  partSize: number;
  uploadConcurrency: number;
  pauseAt?: number;
}

const job = JSON.parse(process.env.CHILD_JOB ?? '{}') as Job;
const keyStore = new PassphraseFileKeyStore({
  profileDir: job.profileDir,
  passphrase: 'profile passphrase',
  scryptLog2N: 10,
});
const db = LocalDb.open(join(job.profileDir, 'datacrypt.db'));
const account = db.accounts.upsert({ relayUrl: job.relayUrl, email: job.email });

function announce(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ready: true, ...fields })}\n`);
}

// The client may talk to the relay through a proxy (`clientUrl`): its session token is stored
// under that URL, which needs the identity there too.
const clientUrl = job.clientUrl ?? job.relayUrl;
const stored = await keyStore.current({ relayUrl: job.relayUrl, email: job.email });
if (stored === null) throw new Error('no identity in the profile');
if (clientUrl !== job.relayUrl) {
  await keyStore.setCurrent({ relayUrl: clientUrl, email: job.email }, stored.identity);
}
const client = new RelayClient({ relayUrl: clientUrl, keyStore });
await client.login(job.email, job.password);
const contacts = new Contacts({
  db,
  accountId: account.id,
  directory: client,
  me: stored.identity.publicIdentity,
});
const engine = new TransferEngine({
  db,
  accountId: account.id,
  relay: client,
  contacts,
  identities: async () =>
    (await keyStore.all({ relayUrl: job.relayUrl, email: job.email })).map((s) => s.identity),
  profileDir: job.profileDir,
  partSize: job.partSize,
  uploadConcurrency: job.uploadConcurrency,
  parallelism: 1,
});

const handle: TransferHandle<unknown> =
  job.mode === 'send'
    ? await engine.send(job.paths ?? [], job.recipients ?? [])
    : await engine.receive(job.relayTransferId ?? '', {
        outDir: job.outDir ?? '.',
        keepEncryptedCopy: job.keepEncryptedCopy === true,
      });
handle.done.catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: String(error) })}\n`);
  process.exit(1);
});

let paused = false;
let announced = false;
if (job.mode === 'receive') announce({ id: handle.id });
if (job.mode === 'send') {
  handle.on('progress', (p: TransferProgress) => {
    if (!paused && p.bytesDone >= (job.pauseAt ?? 0)) {
      paused = true;
      handle.pause();
    }
    if (paused && !announced && p.spooled === true) {
      announced = true;
      // Parts in flight finish after a pause; give them a moment before reporting.
      setTimeout(() => {
        announce({ id: handle.id, relayTransferId: handle.progress().relayTransferId });
      }, 300);
    }
  });
}
await new Promise(() => undefined);
