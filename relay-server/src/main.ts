#!/usr/bin/env node
// `datacrypt-relay` (also `npm run relay -w relay-server -- …`): serves the relay, or with
// `admin …` runs one operator command against the same configuration and stores.
import { readFileSync } from 'node:fs';
import { build } from './app.js';
import { ADMIN_USAGE, runAdmin } from './cli/admin.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startSweeper } from './services/sweeper.js';

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`datacrypt-relay: invalid configuration: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}

const command = process.argv.at(2);
const args = process.argv.slice(3);
if (command === 'admin') {
  process.exitCode = await runAdmin(args, configOrExit(), {
    out: (line) => {
      console.log(line);
    },
    err: (line) => {
      console.error(line);
    },
    readStdin: () => Promise.resolve(readFileSync(0, 'utf8')),
  });
} else if (command === undefined || command === 'serve') {
  await serve(configOrExit());
} else {
  console.error(`usage: datacrypt-relay [serve]\n${ADMIN_USAGE}`);
  process.exitCode = 2;
}

async function serve(config: Config): Promise<void> {
  const app = await build(config);
  const address = await app.listen({ host: config.host, port: config.port });
  const stopSweeper = startSweeper(app.container, app.log, config.sweepIntervalSeconds * 1000, {
    onSweep: () => {
      app.metrics.sweeperRuns.inc();
    },
  });

  console.log(`DataCrypt relay listening on ${config.publicUrl ?? address}`);
  console.log(`  API docs: ${config.publicUrl ?? address}/docs`);
  console.log(`  data:     ${config.dataDir}`);
  console.log(`  mail:     ${app.container.mailer.describe()}`);

  // SIGTERM (orchestrators) and SIGINT (Ctrl-C) shut down gracefully: app.close() refuses new
  // requests, tells realtime clients, lets part uploads in flight finish within
  // DATACRYPT_SHUTDOWN_GRACE_SECONDS, then closes the stores (services/shutdown.ts). A second
  // signal does not wait.
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        console.error(`datacrypt-relay: ${signal} again, exiting without waiting`);
        process.exit(1);
      }
      stopping = true;
      app.log.info({ signal, graceSeconds: config.shutdownGraceSeconds }, 'shutting down');
      stopSweeper();
      app.close().then(
        () => {
          app.log.info('shut down cleanly');
          process.exit(0);
        },
        (err: unknown) => {
          app.log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}
