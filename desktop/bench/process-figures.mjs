// What both desktop benchmarks measure about files and processes (Linux /proc).
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';

const MiB = 1024 * 1024;

/** Writes `size` random bytes to `path` in 16 MiB pieces (the bench itself stays small). */
export async function writeRandomFile(path, size) {
  const file = await open(path, 'w');
  try {
    const piece = Buffer.alloc(16 * MiB);
    for (let left = size; left > 0; left -= piece.length) {
      randomFillSync(piece);
      await file.write(piece, 0, Math.min(left, piece.length));
    }
    // Written back now, so the disk is quiet when the measured run starts.
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Hex SHA-256 of a file's bytes. */
export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * CPU seconds (user + system, all threads) a live process has used so far, and the system part.
 */
export async function processCpuSeconds(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesized command name; utime and stime are fields 14 and 15 (1-based).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(fields[11]) / 100; // clock ticks: USER_HZ is 100 on Linux
  const kernel = Number(fields[12]) / 100;
  return { cpuS: user + kernel, kernelCpuS: kernel };
}

/** Peak resident set size of a live process (Linux VmHWM), MB. */
export async function peakRssMB(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}
