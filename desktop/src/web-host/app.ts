/**
 * One web host instance: the profile's HostRuntime (headless platform: no native dialogs) behind
 * the web host server. `main.ts` runs it from the command line; tests start it in-process.
 * @module
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createDispatcher, type HostLog } from '../host/dispatcher.js';
import { handlers } from '../host/handlers.js';
import { headlessPlatform } from '../host/platform.js';
import { HostRuntime } from '../host/runtime.js';
import { startWebHost, type WebHost } from './server.js';

/**
 * Options of startWebHostApp.
 * @example
 * await startWebHostApp({ profileDir, relayUrl, rendererDir, appVersion: '0.1.0', log: console });
 */
export interface WebHostAppOptions {
  profileDir: string;
  relayUrl?: string | undefined;
  rendererDir: string;
  appVersion: string;
  log: HostLog;
  port?: number | undefined;
  token?: string | undefined;
  keyStore?: 'auto' | 'file' | undefined;
  keyStorePassphrase?: string | undefined;
  scryptLog2N?: number | undefined;
  /** Suggested download folder (default ~/Downloads). */
  defaultDownloadDir?: string | undefined;
}

/** Browser uploads older than this are removed at start (sends have spooled them long since). */
const UPLOAD_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

/**
 * Removes upload folders older than `maxAgeMs` from `uploadsDir` (missing folder: nothing to do).
 * @example
 * await pruneUploads(join(profileDir, 'uploads'), UPLOAD_MAX_AGE_MS, Date.now());
 */
export async function pruneUploads(
  uploadsDir: string,
  maxAgeMs: number,
  now: number,
): Promise<number> {
  let names: string[];
  try {
    names = await readdir(uploadsDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const path = join(uploadsDir, name);
    const info = await stat(path).catch(() => null);
    if (info !== null && now - info.mtimeMs > maxAgeMs) {
      await rm(path, { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

/** A running web host with its runtime. */
export interface WebHostApp {
  readonly web: WebHost;
  readonly runtime: HostRuntime;
  close(): Promise<void>;
}

/**
 * Opens the profile and serves it.
 * @example
 * const app = await startWebHostApp(options); console.log(app.web.url);
 */
export async function startWebHostApp(options: WebHostAppOptions): Promise<WebHostApp> {
  const runtime = await HostRuntime.open({
    profileDir: options.profileDir,
    relayUrl: options.relayUrl,
    keyStore: options.keyStore,
    keyStorePassphrase: options.keyStorePassphrase,
    scryptLog2N: options.scryptLog2N,
    platform: headlessPlatform('web', options.appVersion),
    log: options.log,
    defaultDownloadDir: options.defaultDownloadDir ?? join(homedir(), 'Downloads'),
  });
  const uploadsDir = join(options.profileDir, 'uploads');
  await pruneUploads(uploadsDir, UPLOAD_MAX_AGE_MS, Date.now());
  let web: WebHost;
  try {
    web = await startWebHost({
      dispatch: createDispatcher(handlers, options.log),
      context: runtime,
      events: runtime.events,
      rendererDir: options.rendererDir,
      uploadsDir,
      log: options.log,
      port: options.port,
      token: options.token,
    });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  return {
    web,
    runtime,
    close: async () => {
      await web.close();
      await runtime.close();
    },
  };
}
