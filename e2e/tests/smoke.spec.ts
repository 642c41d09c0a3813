import { expect, test } from '@playwright/test';
import { expectAccessible } from '../fixtures/screens.js';
import { RelayFixture } from '../fixtures/relay.js';
import { WebHostFixture } from '../fixtures/web-host.js';

// The quickest end-to-end signal: a web host comes up on a real relay, serves the renderer, and
// the first screen renders with no script errors. Journeys build on this.
test('web host serves the app and the first screen renders', async ({ browser }) => {
  const relay = await RelayFixture.create();
  let host: WebHostFixture | undefined;
  try {
    host = await WebHostFixture.start('smoke', relay.url);
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    await page.goto(host.url);
    await expect(
      page.getByRole('heading', { level: 1, name: 'Welcome to DataCrypt' }),
    ).toBeVisible();
    await expect(page.getByLabel('Relay address')).toHaveValue(relay.url);
    await expectAccessible(page, 'smoke-first-screen', test.info());
    expect(problems).toEqual([]);
    await context.close();
  } finally {
    await host?.dispose();
    await relay.dispose();
  }
});

test('the web host refuses a page opened without its launch token, or with a wrong one', async ({
  browser,
}) => {
  const relay = await RelayFixture.create();
  let host: WebHostFixture | undefined;
  try {
    host = await WebHostFixture.start('smoke-token', relay.url);
    const origin = new URL(host.url).origin;
    const context = await browser.newContext();
    const page = await context.newPage();

    await page.goto(`${origin}/`);
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('not connected');
    await expect(alert).toContainText('E_BRIDGE');
    await expect(page.getByLabel('Relay address')).toHaveCount(0);

    // A token of the right shape but not this launch's: the host closes the link.
    await page.goto(`${origin}/#token=${'A'.repeat(43)}`);
    await page.reload();
    await expect(page.getByRole('alert')).toContainText('E_IPC_DISCONNECTED');
    await expect(page.getByLabel('Relay address')).toHaveCount(0);
    await expect(page.getByTestId('app-shell')).toHaveCount(0);
    await context.close();
  } finally {
    await host?.dispose();
    await relay.dispose();
  }
});
