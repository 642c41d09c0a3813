/**
 * `npm run dev:web -w desktop`: the web host from the command line. Prints the URL to open (with
 * the per-launch token) and runs until Ctrl-C.
 *
 * Options (each also from the environment):
 *   --profile DIR      DATACRYPT_PROFILE           profile folder (default: the OS data folder)
 *   --relay URL        DATACRYPT_RELAY_URL         relay used while the profile has none stored
 *   --port N           DATACRYPT_WEB_PORT          port on 127.0.0.1 (default: any free port)
 *   --renderer DIR     DATACRYPT_RENDERER_DIR      renderer build (default: desktop/dist-renderer)
 *   --keystore K       DATACRYPT_KEYSTORE          auto (keychain, else files) | file
 *   --url-file FILE                                also write the URL to FILE (mode 0600)
 *   (env only)         DATACRYPT_KEYSTORE_PASSPHRASE  passphrase of the file key store
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { keepYoungGenerationSmall } from '../core/runtime/young-generation.js';

// Before the app is loaded (see core/runtime/young-generation.ts), hence the dynamic imports below.
keepYoungGenerationSmall();

const USAGE = `usage: datacrypt-web [--profile DIR] [--relay URL] [--port N] [--renderer DIR]
                     [--keystore auto|file] [--url-file FILE]`;

function fail(message: string): never {
  process.stderr.write(`datacrypt-web: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function optional(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        profile: { type: 'string' },
        relay: { type: 'string' },
        port: { type: 'string' },
        renderer: { type: 'string' },
        keystore: { type: 'string' },
        'url-file': { type: 'string' },
        'scrypt-log2n': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const env = process.env;
  const portText = values.port ?? optional(env['DATACRYPT_WEB_PORT']);
  const port = portText === undefined ? 0 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad port: ${String(portText)}`);
  const keyStore = values.keystore ?? optional(env['DATACRYPT_KEYSTORE']) ?? 'auto';
  if (keyStore !== 'auto' && keyStore !== 'file') fail(`bad --keystore: ${keyStore}`);
  const scrypt = values['scrypt-log2n'];
  const scryptLog2N = scrypt === undefined ? undefined : Number(scrypt);
  if (scryptLog2N !== undefined && !Number.isInteger(scryptLog2N)) fail('bad --scrypt-log2n');

  const rendererDir =
    values.renderer ??
    optional(env['DATACRYPT_RENDERER_DIR']) ??
    fileURLToPath(new URL('../../dist-renderer', import.meta.url));
  const { defaultProfileDir } = await import('../core/session/index.js');
  const { startWebHostApp } = await import('./app.js');
  const profileDir = values.profile ?? defaultProfileDir(env);
  const log = {
    error: (message: string, error?: unknown) => {
      const detail = error instanceof Error ? ` (${error.name}: ${error.message})` : '';
      process.stderr.write(`datacrypt-web: ${message}${detail}\n`);
      if (env['DATACRYPT_DEBUG'] === '1' && error instanceof Error && error.stack) {
        process.stderr.write(`${error.stack}\n`);
      }
    },
  };

  const app = await startWebHostApp({
    profileDir,
    relayUrl: values.relay ?? optional(env['DATACRYPT_RELAY_URL']),
    rendererDir,
    appVersion: process.env['npm_package_version'] ?? '0.1.0',
    log,
    port,
    keyStore,
    keyStorePassphrase: optional(env['DATACRYPT_KEYSTORE_PASSPHRASE']),
    scryptLog2N,
  });
  const urlFile = values['url-file'];
  if (urlFile !== undefined) await writeFile(urlFile, `${app.web.url}\n`, { mode: 0o600 });
  process.stdout.write(
    `DataCrypt web host (profile ${profileDir}, relay ${app.runtime.session().relayUrl})\n` +
      `open: ${app.web.url}\n`,
  );

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const code =
    error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : '';
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `datacrypt-web: ${code !== '' && !message.startsWith(code) ? `${code}: ` : ''}${message}\n`,
  );
  process.exit(1);
});
