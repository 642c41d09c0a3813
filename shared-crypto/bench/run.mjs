// Benchmark: encrypt and decrypt large files through the streaming file API, and report MB/s and
// the peak RSS of the process doing it. Each measurement runs in a fresh child process so that one
// run's memory does not count against the next. Prints one JSON object per line.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomFillSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const MiB = 1024 * 1024;
const sizes = (process.env.BENCH_SIZES_MIB ?? '256,1024').split(',').map(Number);
const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'datacrypt-bench-'));
const one = fileURLToPath(new URL('./one.mjs', import.meta.url));

function makeInput(path, bytes) {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(8 * MiB);
  for (let left = bytes; left > 0; left -= block.length) {
    randomFillSync(block);
    writeSync(fd, block, 0, Math.min(block.length, left));
  }
  closeSync(fd);
}

function label(mib) {
  return mib % 1024 === 0 ? `${mib / 1024}GiB` : `${mib}MiB`;
}

try {
  for (const mib of sizes) {
    const input = join(work, `input-${mib}`);
    makeInput(input, mib * MiB);
    for (const op of ['encrypt', 'decrypt']) {
      // Flush the previous step's dirty pages first, so that its write-back is not billed to this one.
      execFileSync('sync');
      const run = spawnSync(process.execPath, [one, op, input, work], { encoding: 'utf8' });
      if (run.status !== 0) {
        console.error(run.stderr);
        process.exit(1);
      }
      const figures = JSON.parse(run.stdout.trim());
      console.log(JSON.stringify({ name: op, size: label(mib), ...figures }));
    }
    const roundTrip = join(work, 'out', `input-${mib}`);
    if (statSync(roundTrip).size !== mib * MiB) throw new Error('round trip size mismatch');
    execFileSync('cmp', [input, roundTrip]);
    rmSync(join(work, 'out'), { recursive: true, force: true });
    rmSync(`${input}.dcrypt`, { force: true });
    rmSync(input, { force: true });
  }
  const sweep = spawnSync(
    process.execPath,
    [fileURLToPath(new URL('./chunk-sizes.mjs', import.meta.url))],
    { encoding: 'utf8' },
  );
  if (sweep.status !== 0) {
    console.error(sweep.stderr);
    process.exit(1);
  }
  process.stdout.write(sweep.stdout);
  const openssl = spawnSync(
    'openssl',
    ['speed', '-seconds', '2', '-bytes', '65536', '-evp', 'aes-256-gcm'],
    { encoding: 'utf8' },
  );
  if (openssl.status === 0) {
    const row = openssl.stdout.split('\n').find((l) => l.startsWith('AES-256-GCM'));
    const kBps = Number(row?.trim().split(/\s+/).pop()?.replace('k', ''));
    if (Number.isFinite(kBps)) {
      console.log(
        JSON.stringify({
          name: 'openssl-speed-aes-256-gcm',
          chunkBytes: 65536,
          MBps: Math.round(kBps / 1000),
        }),
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
