import { build } from './app.js';
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

const config = configOrExit();
const app = await build(config);
const address = await app.listen({ host: config.host, port: config.port });
const stopSweeper = startSweeper(app.container, app.log, config.sweepIntervalSeconds * 1000);

console.log(`DataCrypt relay listening on ${config.publicUrl ?? address}`);
console.log(`  API docs: ${config.publicUrl ?? address}/docs`);
console.log(`  data:     ${config.dataDir}`);
console.log(`  mail:     ${app.container.mailer.describe()}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopSweeper();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
