// Starts the built relay (`node dist/main.js`) as its own process for the benchmarks and the load
// test, which measure it from outside; resolves once it prints the URL it listens on.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built relay entry point. */
export const relayMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/**
 * Spawns the relay with exactly `env` (callers choose whether to inherit process.env).
 *
 * @example
 * const { url, child } = await startRelayProcess({ ...process.env, DATACRYPT_PORT: '0' });
 */
export async function startRelayProcess(env) {
  const child = spawn(process.execPath, [relayMain], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
  });
  return { url, child };
}
