#!/usr/bin/env node
// The CLI is written in TypeScript and compiled by `npm run build` at the repository root.
// The young generation is pinned before the CLI is loaded (see core/runtime/young-generation.ts).
import { keepYoungGenerationSmall } from '../dist/core/runtime/young-generation.js';

keepYoungGenerationSmall();
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
