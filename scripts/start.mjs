// `npm start`: runs the product on the embedded default (zero set-up). The relay (SQLite records,
// local-disk blobs, a mail outbox folder) and, once it answers, the desktop app pointed at it: the
// Electron app where Electron's binary is installed, otherwise (e.g. installs that skipped the
// binary download, headless machines) the web host, whose URL is printed to open in a browser.
// Ctrl-C stops both.
/* global fetch */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const desktop = join(root, 'desktop');
const relayMain = join(root, 'relay-server', 'dist', 'main.js');
const webHostMain = join(desktop, 'dist', 'web-host', 'main.js');

console.log('DataCrypt — end-to-end encrypted file transfer');
console.log(
  '  CLI:          npx datacrypt --help   (account, contacts, send, inbox, receive, watch, decrypt, …)',
);

if (!existsSync(relayMain) || !existsSync(webHostMain)) {
  console.log('  not built: run `npm run build`');
  process.exit(1);
}

/** The Electron binary when it is installed (`require('electron')` is its path), else null. */
function electronBinary() {
  try {
    const path = createRequire(join(desktop, 'package.json'))('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

/** Builds the preload bundle and, when missing, the renderer (both are outside `tsc -b`). */
function buildUi() {
  const vite = existsSync(join(desktop, 'dist-renderer', 'index.html'))
    ? { status: 0 }
    : spawnSync('npm', ['run', 'build:renderer', '-w', 'desktop', '--', '--logLevel', 'warn'], {
        cwd: root,
        stdio: 'inherit',
      });
  const preload = spawnSync(process.execPath, [join(desktop, 'scripts', 'build-preload.mjs')], {
    cwd: desktop,
    stdio: 'inherit',
  });
  if (vite.status !== 0 || preload.status !== 0) {
    console.log('  the desktop UI did not build (see above)');
    process.exit(1);
  }
}

const port = process.env.DATACRYPT_PORT ?? '8787';
const relayUrl = `http://127.0.0.1:${port}`;

/** Resolves once the relay answers /healthz (or gives up after 30 s). */
async function relayUp(relay) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (relay.exitCode !== null) return false;
    try {
      const res = await fetch(`${relayUrl}/healthz`);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  return false;
}

try {
  await fetch(`${relayUrl}/healthz`);
  console.log(`  something already listens on ${relayUrl}: stop it or set DATACRYPT_PORT`);
  process.exit(1);
} catch {
  // free: start our relay there
}

buildUi();

const children = [];
let stopping = false;
function stopAll(signal = 'SIGTERM') {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAll(signal);
  });
}

function track(child, name) {
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.log(`  ${name} stopped (${signal ?? `exit ${String(code)}`}); stopping the rest`);
      stopAll();
    }
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) {
      process.exit(stopping ? 0 : (code ?? 1));
    }
  });
}

// Children get their own process group: Ctrl-C reaches only this script, which forwards it once
// (a second SIGINT would make the relay skip its graceful shutdown).
const relay = spawn(process.execPath, [relayMain], { cwd: root, stdio: 'inherit', detached: true });
track(relay, 'relay');

if (!(await relayUp(relay))) {
  console.log(`  the relay did not come up at ${relayUrl}`);
  stopAll();
} else if (!stopping) {
  const env = { ...process.env, DATACRYPT_RELAY_URL: relayUrl };
  const electron = electronBinary();
  if (electron !== null) {
    console.log('  desktop app:  starting Electron');
    track(
      spawn(electron, [desktop], { cwd: desktop, stdio: 'inherit', env, detached: true }),
      'desktop app',
    );
  } else {
    console.log('  desktop app:  Electron is not installed here; starting the web host instead');
    console.log('                (open the URL below in a browser; it only listens on 127.0.0.1)');
    track(
      spawn(process.execPath, [webHostMain, '--relay', relayUrl], {
        cwd: desktop,
        stdio: 'inherit',
        env,
        detached: true,
      }),
      'web host',
    );
  }
}
