#!/usr/bin/env node
// The CLI is written in TypeScript and compiled by `npm run build` at the repository root.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
