import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { simpleParser } from 'mailparser';
import { waitFor } from './realtime.js';
import { signUpUser, type TestUser } from './relay.js';

/** A free TCP port on loopback (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolvePort(port);
      });
    });
  });
}

/** A child process whose stdout/stderr lines are collected. */
export interface Proc {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  /** Everything the process wrote to stdout and stderr so far (a last unfinished line too). */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function track(child: ChildProcess): Proc {
  const lines: string[] = [];
  let partial = '';
  const onData = (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((r) => {
    child.once('exit', (code) => {
      r(code);
    });
  });
  return {
    child,
    lines,
    exited,
    output: () => [...lines, partial].join('\n'),
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * A real redis-server without persistence, on `port` (a free one if omitted); kill() stops it.
 * A fixed port lets a test stop Redis and start it again where its clients expect it.
 */
export async function startRedis(port?: number): Promise<Proc & { url: string; port: number }> {
  port ??= await freePort();
  const proc = track(
    spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  await waitFor(
    () => (proc.lines.some((l) => l.includes('Ready to accept connections')) ? true : undefined),
    10_000,
    'redis-server to start',
  );
  return { ...proc, url: `redis://127.0.0.1:${String(port)}`, port };
}

/** The built relay's entry point. */
export const MAIN = resolve(import.meta.dirname, '../../dist/main.js');

/** A relay as its own process (`node dist/main.js`), configured by env; resolves when listening. */
export async function startRelayProcess(
  env: Record<string, string> & { DATACRYPT_DATA_DIR: string },
): Promise<Proc & { url: string; dataDir: string }> {
  const proc = track(
    spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        DATACRYPT_HOST: '127.0.0.1',
        DATACRYPT_PORT: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const url = await waitFor(
    () => {
      if (proc.child.exitCode !== null) {
        throw new Error(`relay exited (${String(proc.child.exitCode)}):\n${proc.lines.join('\n')}`);
      }
      for (const line of proc.lines) {
        const m = /listening on (http:\/\/\S+)/.exec(line);
        if (m?.[1] !== undefined) return m[1];
      }
      return undefined;
    },
    20_000,
    'the relay process to listen',
  );
  return { ...proc, url, dataDir: env.DATACRYPT_DATA_DIR };
}

/** Pino lines of a process, parsed (other lines skipped). */
export function logRecords(proc: Proc): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of proc.lines) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut by a kill
    }
  }
  return out;
}

/** The newest verification code the outbox of `dataDir` holds for `email`, if any yet. */
export async function mailedCode(dataDir: string, email: string): Promise<string | undefined> {
  const dir = join(dataDir, 'outbox');
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.eml')).sort();
  for (const f of files.reverse()) {
    const mail = await simpleParser(await readFile(join(dir, f)));
    const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
    if (to?.value[0]?.address !== email) continue;
    const m = /verification code: (\d{6})/.exec(mail.subject ?? '');
    if (m?.[1] !== undefined) return m[1];
  }
  return undefined;
}

/** Registers, verifies (code read from the relay's outbox) and logs in; publishes a key. */
export function makeProcessUser(
  relay: { url: string; dataDir: string },
  email: string,
): Promise<TestUser> {
  return signUpUser(relay, email, (address) =>
    waitFor(() => mailedCode(relay.dataDir, address), 5000, 'the code mail'),
  );
}
