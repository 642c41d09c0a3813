// The floor: how fast a Node.js design with a storing relay could move a file end to end on this
// machine, to judge the product's figures (`bench/run.mjs`) against what the machine and the
// product's stack (Node streams and node:http, node:crypto) allow.
//
// Three processes on loopback, as in the product, doing only what no such design can skip: a
// sender reads the file and streams it over HTTP; a relay writes it to disk and, at the same time,
// streams it on to a receiver (so upload and download overlap completely, which the product does
// not do); the receiver writes it to a file. No accounts, headers, signatures, manifest, parts,
// database, spool or resume state.
//
// Runs:
// - copy-only: no cryptography at all; the floor for moving the bytes through a storing relay;
// - crypto: plus the format's per-chunk work written plainly (AES-256-GCM per 64 KiB chunk and a
//   SHA-256 of each ciphertext chunk on both sides), with and without the relay's fsync (the
//   product's relay fsyncs before it acknowledges an upload).
// Then `floor-primitives` (CPU seconds per GiB of AES-256-GCM and SHA-256 over 64 KiB chunks in
// memory) and `floor-bound`: the copy-only CPU plus those primitives on both sides, spread over all
// cores with nothing idle; no such design that encrypts with this format runs faster here.
// `floor-bound-kernel-copy-only` counts only the kernel's share of the copy: a bound for any
// language.
// Prints one JSON line per figure; `errors` counts outputs that differ from the input (exit 1).
// Size: BENCH_SIZE_MB (default 1024); BENCH_DATA_PARENT: where the temp folder goes.
import { fork } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request, createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { peakRssMB, processCpuSeconds, sha256File, writeRandomFile } from './process-figures.mjs';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const TAG = 16;

/** The chunk nonce: a 96-bit big-endian counter, as the format's STREAM construction uses. */
function nonce(counter) {
  const iv = Buffer.alloc(12);
  iv.writeUIntBE(counter, 6, 6);
  return iv;
}

/** Cuts a byte stream into pieces of exactly `size` bytes (the last may be shorter). */
async function* frames(source, size) {
  let pending = [];
  let pendingBytes = 0;
  for await (const piece of source) {
    pending.push(piece);
    pendingBytes += piece.length;
    if (pendingBytes < size) continue;
    const all = Buffer.concat(pending, pendingBytes);
    let at = 0;
    for (; all.length - at >= size; at += size) yield all.subarray(at, at + size);
    pending = at < all.length ? [all.subarray(at)] : [];
    pendingBytes = all.length - at;
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

async function sender({ input, key, url, encrypt }) {
  const upload = request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
  });
  const answered = new Promise((resolve, reject) => {
    upload.on('response', (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200 ? resolve() : reject(new Error(`relay ${res.statusCode}`)),
      );
    });
    upload.on('error', reject);
  });
  let counter = 0;
  const digests = createHash('sha256');
  async function* encrypted() {
    const file = createReadStream(input, { highWaterMark: 16 * CHUNK });
    if (!encrypt) return yield* file;
    for await (const chunk of frames(file, CHUNK)) {
      const cipher = createCipheriv('aes-256-gcm', key, nonce(counter++));
      const sealed = Buffer.concat([cipher.update(chunk), cipher.final(), cipher.getAuthTag()]);
      digests.update(createHash('sha256').update(sealed).digest());
      yield sealed;
    }
  }
  await pipeline(encrypted, upload);
  await answered;
  digests.digest();
}

async function relay({ dir, durable }) {
  let downstream;
  const waiting = new Promise((resolve) => (downstream = resolve));
  const server = createServer((req, res) => {
    if (req.method === 'GET') return downstream(res);
    void (async () => {
      const out = await waiting;
      out.writeHead(200, { 'content-type': 'application/octet-stream' });
      // `flush`: fsync before the file closes.
      const disk = createWriteStream(join(dir, 'blob'), { highWaterMark: 1 * MiB, flush: durable });
      await new Promise((r, j) => disk.once('ready', r).once('error', j));
      // Each piece goes to disk and on to the receiver; the slower of the two sets the pace.
      for await (const piece of req) {
        disk.write(piece);
        out.write(piece);
        for (const stream of [disk, out])
          if (stream.writableNeedDrain) await new Promise((r) => stream.once('drain', r));
      }
      await new Promise((r) => disk.end().once('close', r));
      out.end();
      res.end();
    })().catch((err) => {
      console.error(err);
      res.destroy(err);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { cpuS, kernelCpuS } = await usage(process.pid);
  process.send({ port: server.address().port, startCpuS: cpuS, startKernelCpuS: kernelCpuS });
}

async function receiver({ output, key, url, encrypt }) {
  const res = await new Promise((resolve, reject) =>
    request(url, resolve).on('error', reject).end(),
  );
  let counter = 0;
  const digests = createHash('sha256');
  async function* decrypted() {
    if (!encrypt) return yield* res;
    for await (const sealed of frames(res, CHUNK + TAG)) {
      digests.update(createHash('sha256').update(sealed).digest());
      const decipher = createDecipheriv('aes-256-gcm', key, nonce(counter++));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
      yield Buffer.concat([
        decipher.update(sealed.subarray(0, sealed.length - TAG)),
        decipher.final(),
      ]);
    }
  }
  await pipeline(decrypted, createWriteStream(output, { highWaterMark: 1 * MiB }));
  digests.digest();
}

/** What the parent asks a child for when the run is over. */
async function usage(pid) {
  return { ...(await processCpuSeconds(pid)), peakRssMB: Math.round(await peakRssMB(pid)) };
}

const round = (x) => Math.round(x * 100) / 100;
const self = fileURLToPath(import.meta.url);

/** A child process running `role`, answering messages in order; fails if the child dies. */
function start(role, job) {
  const child = fork(self, [role], { env: { ...process.env, FLOOR_JOB: JSON.stringify(job) } });
  let died;
  const death = new Promise((_resolve, reject) => (died = reject));
  death.catch(() => undefined);
  child.once('exit', (code) => died(new Error(`${role} exited with ${code}`)));
  const next = () =>
    Promise.race([new Promise((resolve) => child.once('message', resolve)), death]);
  return { child, next, first: next() };
}

/** One run; returns the CPU seconds (all, and in the kernel) the three processes spent moving it. */
async function measure(root, input, size, { encrypt, durable }) {
  const kind = `${encrypt ? 'crypto' : 'copy-only'}-${durable ? 'relay-fsync' : 'relay-no-fsync'}`;
  const key = randomBytes(32).toString('hex');
  const relayProc = start('relay', { dir: root, durable });
  const procs = [];
  try {
    const { port } = await relayProc.first;
    const url = `http://127.0.0.1:${port}/`;
    const output = join(root, 'output.bin');
    const receiverProc = start('receiver', { output, key, url, encrypt });
    const senderProc = start('sender', { input, key, url, encrypt });
    procs.push(['sender', senderProc], ['relay', relayProc], ['receiver', receiverProc]);
    // Both loaded and the receiver waiting before the clock starts.
    await Promise.all([receiverProc.first, senderProc.first]);
    const finished = Promise.all([receiverProc.next(), senderProc.next()]);
    const began = performance.now();
    senderProc.child.send('go');
    await finished;
    const seconds = (performance.now() - began) / 1000;
    const errors = (await sha256File(output)) === (await sha256File(input)) ? 0 : 1;
    if (errors > 0) process.exitCode = 1;
    console.log(
      JSON.stringify({
        name: `floor-e2e-${kind}`,
        sizeMB: size / MiB,
        MBps: Math.round(size / MiB / seconds),
        errors,
      }),
    );
    let totalCpuS = 0;
    let totalKernelCpuS = 0;
    for (const [role, proc] of procs) {
      const answer = proc.next();
      proc.child.send('usage');
      const figures = await answer;
      // CPU spent loading Node and this script is not part of moving the file.
      const start = await proc.first;
      const cpuS = round(figures.cpuS - start.startCpuS);
      const kernelCpuS = round(figures.kernelCpuS - start.startKernelCpuS);
      totalCpuS += cpuS;
      totalKernelCpuS += kernelCpuS;
      const { peakRssMB } = figures;
      console.log(JSON.stringify({ name: `floor-${role}-${kind}`, cpuS, kernelCpuS, peakRssMB }));
    }
    await rm(output, { force: true });
    await rm(join(root, 'blob'), { force: true });
    return { cpuS: totalCpuS, kernelCpuS: totalKernelCpuS };
  } finally {
    relayProc.child.kill();
    for (const [, proc] of procs) proc.child.kill();
  }
}

/** CPU seconds to run `work` over 1 GiB in 64 KiB chunks, in this process. */
function primitiveCpuS(work) {
  const chunk = randomBytes(CHUNK);
  const before = process.cpuUsage();
  for (let i = 0; i < (1024 * MiB) / CHUNK; i++) work(chunk, i);
  const used = process.cpuUsage(before);
  return round((used.user + used.system) / 1e6);
}

async function child(role) {
  const job = JSON.parse(process.env.FLOOR_JOB);
  const key = job.key === undefined ? undefined : Buffer.from(job.key, 'hex');
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m) => {
    if (m === 'usage') void usage(process.pid).then((figures) => process.send(figures));
  });
  if (role === 'relay') return relay(job);
  if (role === 'sender') {
    const go = new Promise((resolve) => process.once('message', resolve));
    const { cpuS, kernelCpuS } = await usage(process.pid);
    process.send({ ready: true, startCpuS: cpuS, startKernelCpuS: kernelCpuS });
    await go;
    await sender({ ...job, key });
  } else {
    const receiving = receiver({ ...job, key });
    const { cpuS, kernelCpuS } = await usage(process.pid);
    process.send({ ready: true, startCpuS: cpuS, startKernelCpuS: kernelCpuS });
    await receiving;
  }
  process.send({ done: true });
}

if (process.argv[2] !== undefined) {
  await child(process.argv[2]);
} else {
  const size = Number(process.env.BENCH_SIZE_MB ?? 1024) * MiB;
  const root = await mkdtemp(join(process.env.BENCH_DATA_PARENT ?? tmpdir(), 'desktop-floor-'));
  try {
    const input = join(root, 'input.bin');
    await writeRandomFile(input, size);
    const copyOnly = await measure(root, input, size, { encrypt: false, durable: true });
    await measure(root, input, size, { encrypt: true, durable: true });
    await measure(root, input, size, { encrypt: true, durable: false });

    const key = randomBytes(32);
    const aesGcmCpuS = primitiveCpuS((chunk, i) => {
      const cipher = createCipheriv('aes-256-gcm', key, nonce(i));
      cipher.update(chunk);
      cipher.final();
      cipher.getAuthTag();
    });
    const sha256CpuS = primitiveCpuS((chunk) => createHash('sha256').update(chunk).digest());
    console.log(JSON.stringify({ name: 'floor-primitives-per-GiB', aesGcmCpuS, sha256CpuS }));
    // Per GiB moved: the copy, then AES-GCM and SHA-256 once on each side, over all cores.
    const cores = cpus().length;
    const perGiB = 1024 / (size / MiB);
    const crypto = 2 * (aesGcmCpuS + sha256CpuS);
    for (const [name, copyCpuS] of [
      ['floor-bound', copyOnly.cpuS],
      // Only the kernel's share of the copy (sockets, page cache), which no language avoids.
      ['floor-bound-kernel-copy-only', copyOnly.kernelCpuS],
    ]) {
      const cpuSPerGiB = round(copyCpuS * perGiB + crypto);
      const MBps = Math.round(1024 / (cpuSPerGiB / cores));
      console.log(JSON.stringify({ name, cpuSPerGiB, cores, MBps }));
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
