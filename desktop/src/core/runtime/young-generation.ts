import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8's young generation at its starting size for the rest of the process.
 *
 * V8 doubles the young generation (up to 2 × 16 MiB here) whenever enough objects survive its
 * collections, and never gives the memory back while the process is busy. Loading the app alone
 * grows it to 16 MiB, a transfer to 32 MiB: ~25 MB of the peak RSS of a 1 GiB transfer went
 * there, for garbage that dies young anyway (the transfer code keeps its own buffers). With the
 * growth factor at 1 it stays at 1 MiB per semi-space; the measured cost in the desktop bench is
 * nil once the executor collects after every batch (shared-crypto `inlineExecutor`).
 *
 * The heap limits themselves (`--max-semi-space-size`) only apply at start-up, and Electron's main
 * process takes no V8 command-line flags, but this flag is read at every collection, so setting it
 * at run time works. Call it first, before the rest of the program is imported: loading modules
 * is what grows the young generation first (`bin/datacrypt.js`, `src/main/index.ts`).
 * @example
 * keepYoungGenerationSmall();
 * const { main } = await import('./cli/main.js');
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
