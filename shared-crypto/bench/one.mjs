// One benchmark measurement in its own process: prints {"MBps":…, "peakRssMB":…, "seconds":…}.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { decryptToPath, encryptPaths, generateIdentity, seededRandom } from '../dist/index.js';

const [op, input, work] = process.argv.slice(2);
const sender = generateIdentity(seededRandom('bench-sender'));
const recipient = generateIdentity(seededRandom('bench-recipient'));
const encrypted = `${input}.dcrypt`;

let peak = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 20);

const size = statSync(input).size;
const cpuStart = process.cpuUsage();
const start = performance.now();
if (op === 'encrypt') {
  await encryptPaths([input], encrypted, { sender, recipients: [recipient.publicIdentity] });
} else {
  await decryptToPath(
    encrypted,
    { mode: 'directory', path: join(work, 'out') },
    { identity: recipient, expectedSender: sender.publicIdentity },
  );
}
const seconds = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuStart);
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage.rss());
console.log(
  JSON.stringify({
    MBps: Math.round(size / 1e6 / seconds),
    peakRssMB: Math.round(peak / 1e6),
    seconds: Number(seconds.toFixed(3)),
    cpuSecondsPerGiB: Number((((cpu.user + cpu.system) / 1e6) * (2 ** 30 / size)).toFixed(2)),
  }),
);
