import type { ChildProcess } from 'node:child_process';
import type { TokenPair } from '../../src/contract/index.js';
import { MAIN, mailedCode, startRelayProcess as startProcess } from './processes.js';
import { signUpUser } from './relay.js';

export { MAIN };

/** A relay started as `node dist/main.js` (the real process, signals and exit code included). */
export interface RelayProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts the built relay on a free loopback port with `dataDir` (warn-level logs, auth rate limit
 * out of the way, 1 KiB parts allowed; `env` overrides); resolves once it listens.
 */
export async function startRelayProcess(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<RelayProcess> {
  const proc = await startProcess({
    DATACRYPT_DATA_DIR: dataDir,
    DATACRYPT_LOG_LEVEL: 'warn',
    DATACRYPT_AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    DATACRYPT_MIN_PART_SIZE: '1024',
    ...env,
  });
  return { url: proc.url, child: proc.child, output: () => proc.output(), exited: proc.exited };
}

/** The newest verification code the outbox mailer wrote for `email`. */
export async function outboxCode(dataDir: string, email: string): Promise<string> {
  const code = await mailedCode(dataDir, email);
  if (code === undefined) throw new Error(`no code mailed to ${email}`);
  return code;
}

/** Registers, verifies (code from the outbox), logs in and publishes a key over HTTP. */
export async function makeUserOverHttp(
  relay: { url: string },
  dataDir: string,
  email: string,
): Promise<TokenPair> {
  const user = await signUpUser(relay, email, (address) => outboxCode(dataDir, address));
  return user.tokens;
}
