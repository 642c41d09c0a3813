// End-to-end transfer benchmark: user A sends one file to user B through a relay on loopback
// (embedded adapters), B receives it live (InboxWatcher), downloads, verifies and decrypts it.
// Relay, sender and receiver are separate processes, so each peak RSS (VmHWM) is its own.
// Prints one JSON line per figure. Size: BENCH_SIZE_MB (default 1024 = 1 GiB); BENCH_DATA_PARENT:
// where the temp folders go (default the OS temp dir). Needs a build (`npx tsc -b`).
import { fork } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRelayProcess } from '../../relay-server/bench/start-relay.mjs';
import { peakRssMB, processCpuSeconds, sha256File, writeRandomFile } from './process-figures.mjs';

const MiB = 1024 * 1024;
const sizeMB = Number(process.env.BENCH_SIZE_MB ?? 1024);
const size = sizeMB * MiB;
const password = 'benchmark password 1';
const root = await mkdtemp(join(process.env.BENCH_DATA_PARENT ?? tmpdir(), 'desktop-bench-'));
const peer = fileURLToPath(new URL('./peer.mjs', import.meta.url));

const input = join(root, 'input.bin');
await writeRandomFile(input, size);
const inputHash = await sha256File(input);

const relayDir = join(root, 'relay');
const { url: relayUrl, child: relay } = await startRelayProcess({
  ...process.env,
  DATACRYPT_DATA_DIR: relayDir,
  DATACRYPT_PORT: '0',
  DATACRYPT_LOG_LEVEL: 'warn',
  DATACRYPT_AUTH_RATE_LIMIT_PER_MINUTE: '1000',
});

function startPeer(role, email, extra) {
  const profileDir = join(root, role);
  const child = fork(peer, [], {
    env: {
      ...process.env,
      BENCH_JOB: JSON.stringify({
        role,
        email,
        password,
        relayUrl,
        profileDir,
        outbox: join(relayDir, 'outbox'),
        parallelism:
          process.env.BENCH_PARALLELISM === undefined
            ? undefined
            : Number(process.env.BENCH_PARALLELISM),
        ...extra,
      }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
  });
  const messages = [];
  const waiters = [];
  child.on('message', (m) => {
    messages.push(m);
    for (const w of waiters.splice(0)) w();
  });
  const next = async (type) => {
    for (;;) {
      const found = messages.find((m) => m.type === type || m.type === 'error');
      if (found) {
        if (found.type === 'error') throw new Error(`${role}: ${found.message}`);
        messages.splice(messages.indexOf(found), 1);
        return found;
      }
      await new Promise((resolve, reject) => {
        waiters.push(resolve);
        child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
      });
    }
  };
  return { child, next, profileDir };
}

const b = 'b@bench.example';
await mkdir(join(root, 'receiver'));
await mkdir(join(root, 'sender'));
const receiver = startPeer('receiver', b, { outDir: join(root, 'received') });
await receiver.next('ready');
const idleRss = await peakRssMB(receiver.child.pid);
const sender = startPeer('sender', 'a@bench.example', { input, to: b });
await sender.next('ready');

const relayCpuBefore = (await processCpuSeconds(relay.pid)).cpuS;
sender.child.send({ type: 'go' });
const sent = await sender.next('sent');
const received = await receiver.next('received');
const relayCpuSeconds = (await processCpuSeconds(relay.pid)).cpuS - relayCpuBefore;
const ok = (await sha256File(received.outputs[0])) === inputHash;
const seconds = (received.end - sent.start) / 1000;
const mbps = (bytes, ms) => Number((bytes / MiB / (ms / 1000)).toFixed(1));
const rss = {
  sender: await peakRssMB(sender.child.pid),
  receiver: await peakRssMB(receiver.child.pid),
  relay: await peakRssMB(relay.pid),
};

const lines = [
  {
    name: 'transfer-e2e',
    sizeMB,
    seconds: Number(seconds.toFixed(3)),
    MBps: Number((sizeMB / seconds).toFixed(1)),
    verified: ok,
    errors: ok ? 0 : 1,
  },
  {
    name: 'transfer-send',
    sizeMB,
    MBps: mbps(size, sent.end - sent.start),
    cpuSeconds: sent.cpuSeconds,
    ciphertextBytes: sent.bytes,
  },
  {
    name: 'transfer-receive',
    sizeMB,
    MBps: mbps(size, received.end - received.start),
    cpuSeconds: received.cpuSeconds,
  },
  { name: 'transfer-peer-idle-rss', peakRssMB: Number(idleRss.toFixed(1)) },
  { name: 'transfer-sender-rss', peakRssMB: Number(rss.sender.toFixed(1)) },
  { name: 'transfer-receiver-rss', peakRssMB: Number(rss.receiver.toFixed(1)) },
  { name: 'transfer-relay-rss', peakRssMB: Number(rss.relay.toFixed(1)) },
  { name: 'transfer-relay-cpu', cpuSeconds: Number(relayCpuSeconds.toFixed(2)) },
];
for (const line of lines) console.log(JSON.stringify(line));

sender.child.send({ type: 'exit' });
receiver.child.send({ type: 'exit' });
relay.kill('SIGTERM');
await new Promise((resolve) => relay.once('exit', resolve));
await rm(root, { recursive: true, force: true });
if (!ok) process.exit(1);
