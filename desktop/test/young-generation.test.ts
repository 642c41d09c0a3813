import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * keepYoungGenerationSmall pins V8's young generation at its starting size (see
 * src/core/runtime/young-generation.ts). Each case runs in its own Node process: the flag is
 * process-wide and cannot be taken back.
 */

// The built module (the root `npm test` builds first): a plain Node process cannot load TypeScript.
const module = fileURLToPath(new URL('../dist/core/runtime/young-generation.js', import.meta.url));

/** Peak young-generation size (MiB) of a fresh process that churns short-lived objects. */
function youngGenerationAfterChurn(pinned: boolean): number {
  const script = `
    const v8 = await import('node:v8');
    if (${String(pinned)}) (await import(${JSON.stringify(module)})).keepYoungGenerationSmall();
    let keep = [];
    for (let i = 0; i < 5e6; i++) {
      keep.push({ i, list: [i] });
      if (keep.length > 20000) keep = [];
    }
    const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(space.space_size / 1048576));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  return Number(out);
}

describe('keepYoungGenerationSmall', () => {
  it('keeps the young generation at its starting size under allocation churn', () => {
    const unpinned = youngGenerationAfterChurn(false);
    const pinned = youngGenerationAfterChurn(true);
    // Without it V8 grows the young generation several times over; with it, it stays put.
    expect(unpinned).toBeGreaterThanOrEqual(8);
    expect(pinned).toBeLessThanOrEqual(2);
  });
});
