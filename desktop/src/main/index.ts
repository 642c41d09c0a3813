/**
 * The Electron main process entry. It keeps V8's young generation from growing before anything
 * else is loaded (see core/runtime/young-generation.ts: loading the app alone would grow it), then
 * loads the app (app.ts).
 * @module
 */
import { keepYoungGenerationSmall } from '../core/runtime/young-generation.js';

keepYoungGenerationSmall();
await import('./app.js');
