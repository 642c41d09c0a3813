// One benchmark user in its own process (so its peak RSS is its own): `sender` or `receiver`.
// Driven by bench/run.mjs over the IPC channel; see there for the protocol and the figures.
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { keepYoungGenerationSmall } from '../dist/core/runtime/young-generation.js';

// What the app's entry points do first (bin/datacrypt.js, src/main/index.ts), hence the dynamic
// imports.
keepYoungGenerationSmall();
const { generateIdentity } = await import('@datacrypt/shared-crypto');
const {
  Contacts,
  InboxWatcher,
  LocalDb,
  PassphraseFileKeyStore,
  RelayClient,
  TransferEngine,
  watchAndReceive,
} = await import('../dist/core/index.js');

/** CPU seconds (all threads of this process) since `since`. */
const cpuSeconds = (since) => {
  const used = process.cpuUsage(since);
  return Number(((used.user + used.system) / 1e6).toFixed(2));
};
const job = JSON.parse(process.env.BENCH_JOB ?? '{}');
const send = (message) => process.send?.(message);
const account = { relayUrl: job.relayUrl, email: job.email };

async function verificationCode() {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    for (const f of await readdir(job.outbox).catch(() => [])) {
      const text = await readFile(join(job.outbox, f), 'utf8');
      const code = text.includes(`To: ${job.email}`)
        ? /verification code: (\d{6})/.exec(text)?.[1]
        : undefined;
      if (code !== undefined) return code;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no verification code for ${job.email}`);
}

const mark = (label) => {
  if (process.env.BENCH_DEBUG) {
    const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    console.error(
      job.role,
      label,
      'rss',
      (process.memoryUsage().rss / 1048576).toFixed(1),
      'hwm',
      (Number(hwm) / 1024).toFixed(1),
    );
  }
};
mark('imported');
const peaks = {};
if (process.env.BENCH_DEBUG) {
  setInterval(() => {
    for (const [k, v] of Object.entries(process.memoryUsage()))
      peaks[k] = Math.max(peaks[k] ?? 0, v);
    // Which V8 heap space grows (new_space is the young generation).
    for (const space of getHeapSpaceStatistics())
      peaks[space.space_name] = Math.max(peaks[space.space_name] ?? 0, space.space_size);
  }, 20).unref();
  process.on('exit', () => {
    console.error(
      job.role,
      'peaks MB',
      Object.fromEntries(Object.entries(peaks).map(([k, v]) => [k, (v / 1048576).toFixed(1)])),
    );
  });
}
const keyStore = new PassphraseFileKeyStore({
  profileDir: job.profileDir,
  passphrase: 'bench passphrase',
  scryptLog2N: 10,
});
const identity = generateIdentity();
mark('identity');
await keyStore.setCurrent(account, identity);
const db = LocalDb.open(join(job.profileDir, 'datacrypt.db'));
const accountId = db.accounts.upsert(account).id;
const client = new RelayClient({ relayUrl: job.relayUrl, keyStore });
mark('keystore+db');
await client.register(job.email, job.password);
mark('registered');
await client.verifyOtp(job.email, await verificationCode());
await client.login(job.email, job.password);
mark('logged-in');
await client.publishKey(identity);
mark('published');
const contacts = new Contacts({ db, accountId, directory: client, me: identity.publicIdentity });
const engine = new TransferEngine({
  db,
  accountId,
  relay: client,
  contacts,
  identities: async () => (await keyStore.all(account)).map((s) => s.identity),
  profileDir: job.profileDir,
  parallelism: job.parallelism,
});

process.on('message', (message) => {
  if (message.type === 'exit') {
    db.close();
    process.exit(0);
  }
});

if (job.role === 'receiver') {
  const watcher = new InboxWatcher({ relay: client, db, accountId });
  // What `datacrypt watch` does: on a live relay the receive starts as the upload does.
  let start = 0;
  let cpu = process.cpuUsage();
  watchAndReceive(
    engine,
    watcher,
    { outDir: job.outDir },
    {
      onStart: () => {
        start = Date.now();
        cpu = process.cpuUsage();
      },
      onReceived: (result) => {
        send({
          type: 'received',
          start,
          end: Date.now(),
          cpuSeconds: cpuSeconds(cpu),
          bytes: result.totalBytes,
          outputs: result.outputs,
        });
      },
      onError: (_id, error) => send({ type: 'error', message: String(error) }),
    },
  );
  await watcher.start();
  mark('watching');
  send({ type: 'ready' });
} else {
  await contacts.addContact(job.to);
  process.on('message', (message) => {
    if (message.type !== 'go') return;
    void (async () => {
      const start = Date.now();
      const cpu = process.cpuUsage();
      const handle = await engine.send([job.input], [job.to]);
      const result = await handle.done;
      send({
        type: 'sent',
        start,
        end: Date.now(),
        cpuSeconds: cpuSeconds(cpu),
        bytes: result.totalBytes,
      });
    })().catch((error) => send({ type: 'error', message: String(error) }));
  });
  send({ type: 'ready' });
}
