// Installs npm dependencies when they are missing or older than package-lock.json, so that
// `npm start` and `npm test` work from a fresh clone with no other step.
// Electron's binary cannot be downloaded on every machine; its types are all the build needs.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const marker = join(root, 'node_modules', '.package-lock.json');

// Debian packages first: native modules (keytar) compile against them during npm install, and
// some test suites run real servers from them. The script installs only what is missing.
const system = spawnSync('bash', [join(root, 'scripts', 'install-system-deps.sh')], {
  stdio: 'inherit',
});
if (system.status !== 0) {
  console.error('[ensure-deps] system packages are missing (see above)');
  process.exit(system.status ?? 1);
}

const needsInstall =
  !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);

if (needsInstall) {
  const args = existsSync(lock)
    ? ['ci', '--no-audit', '--no-fund']
    : ['install', '--no-audit', '--no-fund'];
  console.error(`[ensure-deps] installing npm dependencies (npm ${args[0]}) ...`);
  const result = spawnSync('npm', args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
  });
  if (result.status !== 0) {
    console.error('[ensure-deps] npm install failed');
    process.exit(result.status ?? 1);
  }
}
