export { build, type App, type BuildOptions } from './app.js';
export { loadConfig, ConfigError, type Config } from './config.js';
export type { Container, Ports } from './container.js';
export { sweep, startSweeper } from './services/sweeper.js';
export * from './ports.js';
export * as contract from './contract/index.js';
