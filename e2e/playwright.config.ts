import { execFileSync } from 'node:child_process';
import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a browser Playwright downloads: CI machines have no route to its CDN
// and the system package is what .ci/run installs.
function systemChromium(): string {
  const fromEnv = process.env.DATACRYPT_E2E_CHROMIUM;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'e2e: no `chromium` on PATH. Install the Debian package (scripts/install-system-deps.sh) ' +
        'or set DATACRYPT_E2E_CHROMIUM to a Chromium binary.',
    );
  }
}

export default defineConfig({
  testDir: './tests',
  globalSetup: './fixtures/global-setup.ts',
  outputDir: './test-results',
  // Two cores shared by a relay, two web hosts and two browser contexts: one worker.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: process.env.CI !== undefined,
  timeout: 120_000,
  globalTimeout: 8 * 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
    navigationTimeout: 20_000,
    launchOptions: {
      executablePath: systemChromium(),
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
