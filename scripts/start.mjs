// `npm start`: runs the product on the embedded default (zero set-up). Today that is the relay
// (SQLite records, local-disk blobs, a mail outbox folder); the desktop app joins it when it exists.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const relayMain = join(root, 'relay-server', 'dist', 'main.js');

console.log('DataCrypt — end-to-end encrypted file transfer');
console.log('  offline CLI:  npx datacrypt --help   (keygen, encrypt, decrypt, pubkey)');

if (!existsSync(relayMain)) {
  console.log('  relay:        not built (run `npm run build`)');
  process.exit(1);
}

const relay = spawn(process.execPath, [relayMain], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    relay.kill(signal);
  });
}
relay.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
