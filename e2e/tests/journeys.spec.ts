import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { digitsOf } from '../fixtures/app.js';
import {
  findFiles,
  hashTree,
  MiB,
  sha256File,
  writeRandomFile,
  writeSampleFolder,
} from '../fixtures/files.js';
import { checkScreen, saveScreen } from '../fixtures/screens.js';
import { World, type Participant } from '../fixtures/world.js';

// Two people, Alice (A) and Bob (B), each with their own web host, profile, keychain and browser
// context, through one real relay. The steps build on each other (an account before contacts,
// contacts before sending, ...), so they run in order and stop at the first failure.
test.describe.configure({ mode: 'serial' });

const BIG_FILE_SIZE = 50 * MiB;

let world: World;
let alice: Participant;
let bob: Participant;
/** Inputs: the 50 MiB file, the folder (relative path -> sha256), a small file to revoke. */
const input = {
  bigFile: '',
  bigFileSha256: '',
  folder: '',
  folderHashes: new Map<string, string>(),
  revokeFile: '',
  revokeFileSha256: '',
};
/** Where Bob saved the transfer's encrypted copy (for the offline step). */
let savedCopy = '';
/** The relay's id of the first transfer (the 50 MiB file and the folder). */
let firstTransferId = '';
/** Ids of the transfers Bob has received and kept so far. */
const keptTransferIds: string[] = [];

/** Bob's inbox rows other than the ones already known. */
function newInboxRows(page: Page): Locator {
  const known = keptTransferIds.map((id) => `:not([data-transfer-id="${id}"])`).join('');
  return page.locator(`[data-testid="inbox-row"]${known}`);
}
/** Bob's fingerprint before he replaces his key. */
let bobFingerprint = '';

/** A marker in the page's JS realm: still there later means the page never reloaded. */
async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { e2eNoReload?: boolean }).e2eNoReload = true;
  });
}
async function expectNotReloaded(page: Page): Promise<void> {
  const marked = await page.evaluate(
    () => (window as unknown as { e2eNoReload?: boolean }).e2eNoReload === true,
  );
  expect(marked, 'the page was reloaded (live update expected)').toBe(true);
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  world = await World.create();
  input.bigFile = join(world.inputDir, 'holiday-video.bin');
  input.bigFileSha256 = await writeRandomFile(input.bigFile, BIG_FILE_SIZE);
  input.folder = join(world.inputDir, 'quarterly-report');
  input.folderHashes = await writeSampleFolder(input.folder);
  input.revokeFile = join(world.inputDir, 'draft-contract.pdf');
  input.revokeFileSha256 = await writeRandomFile(input.revokeFile, 1 * MiB);
  alice = await world.join(browser, 'alice', 'alice@example.test');
  bob = await world.join(browser, 'bob', 'bob@example.test');
});

test.afterAll(async () => {
  await world.dispose();
});

test.afterEach(async () => {
  const testInfo = test.info();
  if (testInfo.status !== testInfo.expectedStatus) {
    await testInfo.attach('server-logs', { body: world.logs(), contentType: 'text/plain' });
  }
});

test('onboarding: register, email code, key with fingerprint, backup prompt', async () => {
  const testInfo = test.info();
  for (const user of [alice, bob]) {
    const first = user === alice;
    const page = user.app.page;
    await user.app.register(world.relay.url, world.relay.outboxDir, async (step) => {
      if (first) await checkScreen(page, step, testInfo);
    });

    await expect(page.getByRole('heading', { name: 'Your key' })).toBeVisible({ timeout: 30_000 });
    const fingerprint = page.getByTestId('own-fingerprint');
    // 32 bytes as 16 groups of 4 hex digits, kept in the real keychain (not the file fallback).
    await expect(fingerprint).toHaveText(/^\s*([0-9a-f]{4}\s*){16}$/);
    await expect(page.getByText('stored in the system keychain')).toBeVisible();
    if (first) await checkScreen(page, 'onboarding-key', testInfo);
    await page.getByRole('button', { name: 'Continue' }).click();

    await expect(page.getByRole('heading', { name: 'Back up your key' })).toBeVisible();
    if (first) {
      await checkScreen(page, 'onboarding-backup', testInfo);
      const backup = join(await world.outputDir('out-alice'), 'alice-key-backup.txt');
      await page.getByLabel('Backup passphrase', { exact: true }).fill('a long backup passphrase');
      await page.getByLabel('Repeat backup passphrase').fill('a long backup passphrase');
      await page.getByLabel('Save backup to').fill(backup);
      await page.getByRole('button', { name: 'Save backup' }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Backup saved to' })).toContainText(
        backup,
      );
      expect(await readFile(backup, 'utf8')).toMatch(/\S/);
      await page.getByRole('button', { name: 'Continue' }).click();
    } else {
      await page.getByRole('button', { name: 'Skip for now' }).click();
    }
    await expect(page.getByTestId('app-shell')).toBeVisible();
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'online');
  }
});

test('keyboard: skip link, Tab to a navigation button, Enter opens it and focuses its heading', async () => {
  const page = alice.app.page;
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
  });
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();

  const target = page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('button', { name: 'Contacts', exact: true });
  for (let presses = 0; presses < 20; presses++) {
    if (await target.evaluate((el) => el === document.activeElement)) break;
    await page.keyboard.press('Tab');
  }
  await expect(target).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('screen-contacts')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Contacts' })).toBeFocused();
  await expect(target).toHaveAttribute('aria-current', 'page');
});

test('contacts: add each other, both sides show the same safety number, mark verified', async () => {
  const testInfo = test.info();
  const safetyNumbers: string[] = [];
  for (const [user, other] of [
    [alice, bob],
    [bob, alice],
  ] as const) {
    const page = user.app.page;
    const contacts = await user.app.open('Contacts');
    if (user === alice) await checkScreen(page, 'contacts-empty', testInfo);
    await contacts.getByLabel('Contact email').fill(other.app.email);
    await contacts.getByRole('button', { name: 'Add contact' }).click();
    const row = contacts.locator(`[data-testid="contact-row"][data-email="${other.app.email}"]`);
    await expect(row).toHaveAttribute('data-trust', 'unverified');
    await row.getByRole('button', { name: `Open ${other.app.email}` }).click();

    await expect(page.getByRole('heading', { name: 'Safety number' })).toBeVisible();
    await expect(page.getByRole('img', { name: 'QR code of the safety number' })).toBeVisible();
    const digits = digitsOf(await page.getByTestId('safety-number').textContent());
    expect(digits).toMatch(/^[0-9]{60}$/);
    safetyNumbers.push(digits);
    if (user === alice) await checkScreen(page, 'contact-safety-number', testInfo);
  }
  expect(safetyNumbers[1], 'Bob sees the same safety number as Alice').toBe(safetyNumbers[0]);

  for (const [user, other] of [
    [alice, bob],
    [bob, alice],
  ] as const) {
    const page = user.app.page;
    await page.getByRole('button', { name: 'Mark as verified' }).click();
    await page.getByRole('button', { name: 'Back to contacts' }).click();
    const row = page.locator(`[data-testid="contact-row"][data-email="${other.app.email}"]`);
    await expect(row).toHaveAttribute('data-trust', 'verified');
    await expect(row.getByTestId('trust-badge')).toHaveText('Verified');
    if (user === alice) await checkScreen(page, 'contacts', testInfo);
  }
});

test('send: Alice sends a 50 MiB file and a folder; Bob’s inbox updates without reload', async () => {
  const testInfo = test.info();
  test.setTimeout(180_000);
  const bobPage = bob.app.page;
  const inbox = await bob.app.open('Inbox');
  await expect(inbox.getByTestId('empty-state')).toBeVisible();
  await checkScreen(bobPage, 'inbox-empty', testInfo);
  await markPage(bobPage);

  const page = alice.app.page;
  const send = await alice.app.open('Send');
  for (const path of [input.bigFile, input.folder]) {
    await send.getByLabel('File or folder path').fill(path);
    await send.getByRole('button', { name: 'Add path' }).click();
  }
  await expect(send.getByTestId('selected-item')).toHaveCount(2);
  await send
    .getByRole('group', { name: 'Recipients' })
    .getByRole('checkbox', { name: bob.app.email })
    .check();
  await checkScreen(page, 'send', testInfo);
  await send.getByRole('button', { name: 'Encrypt and send' }).click();

  const transfer = send.getByTestId('transfer-row').first();
  await expect(transfer.getByRole('progressbar')).toBeVisible();
  await saveScreen(page, 'send-progress', testInfo);
  await expect(transfer).toHaveAttribute('data-state', 'completed', { timeout: 150_000 });
  await checkScreen(page, 'send-done', testInfo);

  const row = inbox.getByTestId('inbox-row').first();
  await expect(row).toBeVisible({ timeout: 30_000 });
  await expect(row).toContainText(alice.app.email);
  await expect(row.getByTestId('trust-badge')).toHaveText('Verified');
  await expect(row).toHaveAttribute('data-unread', 'true');
  firstTransferId = (await row.getAttribute('data-transfer-id')) ?? '';
  expect(firstTransferId).not.toBe('');
  keptTransferIds.push(firstTransferId);
  await expect(bobPage.getByTestId('unread-count')).toHaveText('1');
  await expectNotReloaded(bobPage);
  await checkScreen(bobPage, 'inbox', testInfo);
});

test('receive: Bob downloads, the bytes match, and Alice sees the receipt', async () => {
  const testInfo = test.info();
  test.setTimeout(180_000);
  const out = await world.outputDir('out-bob');
  const page = bob.app.page;
  const row = page.getByTestId('inbox-row').first();
  await row.getByRole('button', { name: 'Download', exact: true }).click();
  await row.getByLabel('Save to folder').fill(out);
  await row.getByLabel('Also keep the encrypted copy').check();
  await row.getByRole('button', { name: 'Download and decrypt' }).click();
  await expect(page.getByTestId('download-done')).toBeVisible({ timeout: 150_000 });
  await checkScreen(page, 'inbox-downloaded', testInfo);

  const copies = await findFiles(out, (name) => name.endsWith('.dcrypt'));
  expect(copies, 'one encrypted copy kept next to the plaintext').toHaveLength(1);
  savedCopy = copies[0] ?? '';

  const got = await hashTree(out);
  got.delete(basename(savedCopy));
  const expected = new Map<string, string>([[basename(input.bigFile), input.bigFileSha256]]);
  for (const [rel, digest] of input.folderHashes) {
    expected.set(`${basename(input.folder)}/${rel}`, digest);
  }
  expect(got).toEqual(expected);

  // The receipt travels back to Alice live: her Sent screen is open and never reloaded.
  const alicePage = alice.app.page;
  const sent = await alice.app.open('Sent');
  await markPage(alicePage);
  const status = sent.getByTestId('sent-row').first().getByTestId('recipient-status');
  await expect(status).toHaveAttribute('data-status', 'receipt-verified', { timeout: 30_000 });
  await expectNotReloaded(alicePage);
  await checkScreen(alicePage, 'sent-receipt', testInfo);
});

test('drag and drop: Alice drops a file on the send area; Bob receives it byte for byte', async () => {
  const testInfo = test.info();
  const bytes = randomBytes(300 * 1024 + 17);
  const digest = createHash('sha256').update(bytes).digest('hex');
  const page = alice.app.page;
  const send = await alice.app.open('Send');
  const dataTransfer = await page.evaluateHandle((base64) => {
    const raw = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([raw], 'dropped notes.txt', { type: 'text/plain' }));
    return dt;
  }, bytes.toString('base64'));
  const zone = send.getByTestId('drop-zone');
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await zone.dispatchEvent('dragover', { dataTransfer });
  await zone.dispatchEvent('drop', { dataTransfer });
  await expect(send.getByTestId('selected-item')).toHaveCount(1);
  await expect(send.getByTestId('selected-item')).toContainText('dropped notes.txt');
  await send
    .getByRole('group', { name: 'Recipients' })
    .getByRole('checkbox', { name: bob.app.email })
    .check();
  await send.getByRole('button', { name: 'Encrypt and send' }).click();
  await expect(send.getByTestId('transfer-row').first()).toHaveAttribute(
    'data-state',
    'completed',
    {
      timeout: 60_000,
    },
  );

  const bobPage = bob.app.page;
  await bob.app.open('Inbox');
  const row = newInboxRows(bobPage);
  await expect(row).toHaveCount(1, { timeout: 30_000 });
  const id = (await row.getAttribute('data-transfer-id')) ?? '';
  expect(id).not.toBe('');
  keptTransferIds.push(id);
  const out = await world.outputDir('out-bob-dropped');
  const mine = bobPage.locator(`[data-testid="inbox-row"][data-transfer-id="${id}"]`);
  await mine.getByRole('button', { name: 'Download', exact: true }).click();
  await mine.getByLabel('Save to folder').fill(out);
  await mine.getByRole('button', { name: 'Download and decrypt' }).click();
  await expect(mine.getByTestId('download-done')).toBeVisible({ timeout: 60_000 });
  await saveScreen(bobPage, 'inbox-dropped-file', testInfo);
  expect(await hashTree(out)).toEqual(new Map([['dropped notes.txt', digest]]));
});

test('revoke: Alice revokes another transfer and Bob loses access with a clear message', async () => {
  const testInfo = test.info();
  const page = alice.app.page;
  const send = await alice.app.open('Send');
  await send.getByLabel('File or folder path').fill(input.revokeFile);
  await send.getByRole('button', { name: 'Add path' }).click();
  await send
    .getByRole('group', { name: 'Recipients' })
    .getByRole('checkbox', { name: bob.app.email })
    .check();
  await send.getByRole('button', { name: 'Encrypt and send' }).click();
  await expect(send.getByTestId('transfer-row').first()).toHaveAttribute(
    'data-state',
    'completed',
    {
      timeout: 60_000,
    },
  );

  // Bob sees it arrive next to the first transfer, live.
  const bobPage = bob.app.page;
  const inbox = await bob.app.open('Inbox');
  await markPage(bobPage);
  const bobRow = newInboxRows(bobPage);
  await expect(bobRow).toHaveCount(1, { timeout: 30_000 });
  const transferId = (await bobRow.getAttribute('data-transfer-id')) ?? '';
  expect(transferId).not.toBe('');

  // Bob opens its download form; the news of the revoke reaches his screen late (held back on
  // the page's link to his web host), so he still tries to download it.
  await bobRow.getByRole('button', { name: 'Download', exact: true }).click();
  await bobRow.getByLabel('Save to folder').fill(await world.outputDir('out-bob-revoked'));
  bob.events.close(
    (m) =>
      m.t === 'event' &&
      m.event === 'transfer:changed' &&
      (m.payload as { transferId?: unknown } | null)?.transferId === transferId,
  );

  const sent = await alice.app.open('Sent');
  const sentRow = sent.locator(`[data-testid="sent-row"][data-transfer-id="${transferId}"]`);
  await sentRow.getByRole('button', { name: 'Revoke' }).click();
  await checkScreen(page, 'sent-revoke-confirm', testInfo);
  await sentRow.getByRole('button', { name: 'Yes, revoke' }).click();
  // The relay deletes a revoked transfer: it leaves Alice's list, the first one stays.
  await expect(sentRow).toHaveCount(0);
  await expect(sent.getByTestId('revoke-done')).toContainText(basename(input.revokeFile));
  await expect(sent.getByTestId('sent-row')).toHaveCount(keptTransferIds.length);
  await saveScreen(page, 'sent-after-revoke', testInfo);

  // Bob's attempt fails with a plain message, and nothing is written.
  await bobRow.getByRole('button', { name: 'Download and decrypt' }).click();
  const failure = bobPage.getByTestId('receive-failed');
  await expect(failure).toBeVisible({ timeout: 30_000 });
  const reason = failure.getByTestId('error-message');
  await expect(reason).toHaveAttribute('data-code', /^E_(TRANSFER_)?REVOKED$/);
  await expect(reason).toContainText('the sender revoked it');
  await checkScreen(bobPage, 'inbox-revoked-download', testInfo);
  expect(await hashTree(join(world.workDir, 'out-bob-revoked'))).toEqual(new Map());

  // Once the push arrives his open inbox drops it without a reload; the first one stays.
  bob.events.open();
  await expect(bobRow).toHaveCount(0, { timeout: 30_000 });
  const left = inbox.getByTestId('inbox-row');
  await expect(left).toHaveCount(keptTransferIds.length);
  for (const id of keptTransferIds) {
    await expect(inbox.locator(`[data-testid="inbox-row"][data-transfer-id="${id}"]`)).toHaveCount(
      1,
    );
  }
  await expectNotReloaded(bobPage);
  await saveScreen(bobPage, 'inbox-after-revoke', testInfo);
});

test('offline: Bob decrypts the saved .dcrypt copy with the relay stopped', async () => {
  const testInfo = test.info();
  expect(savedCopy).not.toBe('');
  await world.relay.stop();
  const page = bob.app.page;
  await expect(page.getByTestId('connection-state')).not.toHaveAttribute('data-state', 'online', {
    timeout: 30_000,
  });

  const out = await world.outputDir('out-bob-offline');
  const screen = await bob.app.open('Decrypt a file');
  await screen.getByLabel('Encrypted file (.dcrypt)').fill(savedCopy);
  await screen.getByLabel('Save to folder').fill(out);
  await screen.getByRole('button', { name: 'Decrypt' }).click();
  const result = page.getByTestId('decrypt-result');
  await expect(result).toBeVisible({ timeout: 60_000 });
  await expect(result).toContainText(alice.app.email);
  await expect(result.getByTestId('trust-badge')).toHaveText('Verified');
  await checkScreen(page, 'offline-decrypt', testInfo);
  expect(await sha256File(join(out, basename(input.bigFile)))).toBe(input.bigFileSha256);
  const folder = await hashTree(join(out, basename(input.folder)));
  expect(folder).toEqual(input.folderHashes);

  await world.relay.start();
  await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'online', {
    timeout: 60_000,
  });
});

test('key change: Bob replaces his key; Alice is warned and cannot send until she re-verifies him', async () => {
  const testInfo = test.info();
  const bobPage = bob.app.page;
  const settings = await bob.app.open('Settings');
  bobFingerprint = (await settings.getByTestId('own-fingerprint').textContent()) ?? '';
  expect(bobFingerprint).not.toBe('');
  await checkScreen(bobPage, 'settings', testInfo);
  await settings.getByRole('button', { name: 'Replace my key' }).click();
  await settings.getByRole('button', { name: 'Yes, replace my key' }).click();
  await expect(settings.getByTestId('own-fingerprint')).not.toHaveText(bobFingerprint, {
    timeout: 30_000,
  });
  const newFingerprint = (await settings.getByTestId('own-fingerprint').textContent()) ?? '';

  const page = alice.app.page;
  const contacts = await alice.app.open('Contacts');
  const row = contacts.locator(`[data-testid="contact-row"][data-email="${bob.app.email}"]`);
  await expect(row).toHaveAttribute('data-trust', 'key-changed', { timeout: 30_000 });
  await expect(row.getByTestId('trust-badge')).toHaveText('Key changed');
  await row.getByRole('button', { name: `Open ${bob.app.email}` }).click();
  const warning = page.getByTestId('key-change');
  await expect(warning).toBeVisible();
  await expect(warning.getByTestId('old-fingerprint')).toHaveText(bobFingerprint);
  await expect(warning.getByTestId('new-fingerprint')).toHaveText(newFingerprint);
  await checkScreen(page, 'key-change', testInfo);

  const send = await alice.app.open('Send');
  const recipient = send
    .getByRole('group', { name: 'Recipients' })
    .getByRole('checkbox', { name: bob.app.email });
  await expect(recipient).toBeDisabled();
  await expect(send.getByTestId('recipient-blocked-reason')).toBeVisible();
  await checkScreen(page, 'send-blocked', testInfo);

  // Resolving it: Bob reads out his new safety number, it matches the one on Alice's warning, she
  // verifies the new key and can send to him again.
  const bobContacts = await bob.app.open('Contacts');
  await bobContacts
    .locator(`[data-testid="contact-row"][data-email="${alice.app.email}"]`)
    .getByRole('button', { name: `Open ${alice.app.email}` })
    .click();
  const bobDigits = digitsOf(await bobPage.getByTestId('safety-number').first().textContent());
  expect(bobDigits).toMatch(/^[0-9]{60}$/);

  const aliceContacts = await alice.app.open('Contacts');
  await aliceContacts
    .locator(`[data-testid="contact-row"][data-email="${bob.app.email}"]`)
    .getByRole('button', { name: `Open ${bob.app.email}` })
    .click();
  const newNumber = page.getByTestId('key-change').getByTestId('safety-number');
  expect(digitsOf(await newNumber.textContent()), 'Alice’s new safety number = Bob’s').toBe(
    bobDigits,
  );
  await page.getByRole('button', { name: 'Numbers match: verify new key' }).click();
  await expect(page.getByTestId('key-change')).toHaveCount(0);
  await page.getByRole('button', { name: 'Back to contacts' }).click();
  await expect(
    page.locator(`[data-testid="contact-row"][data-email="${bob.app.email}"]`),
  ).toHaveAttribute('data-trust', 'verified');
  const sendAgain = await alice.app.open('Send');
  await expect(
    sendAgain
      .getByRole('group', { name: 'Recipients' })
      .getByRole('checkbox', { name: bob.app.email }),
  ).toBeEnabled();
});

test('unknown sender: Carol, not in Bob’s contacts, sends him a file; his inbox warns', async ({
  browser,
}) => {
  const testInfo = test.info();
  const carol = await world.join(browser, 'carol', 'carol@example.test');
  const page = carol.app.page;
  await carol.app.register(world.relay.url, world.relay.outboxDir);
  await expect(page.getByRole('heading', { name: 'Your key' })).toBeVisible({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Skip for now' }).click();
  await expect(page.getByTestId('app-shell')).toBeVisible();

  const contacts = await carol.app.open('Contacts');
  await contacts.getByLabel('Contact email').fill(bob.app.email);
  await contacts.getByRole('button', { name: 'Add contact' }).click();
  await expect(
    contacts.locator(`[data-testid="contact-row"][data-email="${bob.app.email}"]`),
  ).toHaveAttribute('data-trust', 'unverified');

  const send = await carol.app.open('Send');
  await send.getByLabel('File or folder path').fill(input.revokeFile);
  await send.getByRole('button', { name: 'Add path' }).click();
  await send
    .getByRole('group', { name: 'Recipients' })
    .getByRole('checkbox', { name: bob.app.email })
    .check();
  await send.getByRole('button', { name: 'Encrypt and send' }).click();
  await expect(send.getByTestId('transfer-row').first()).toHaveAttribute(
    'data-state',
    'completed',
    {
      timeout: 60_000,
    },
  );

  const bobPage = bob.app.page;
  const inbox = await bob.app.open('Inbox');
  const row = inbox.getByTestId('inbox-row').filter({ hasText: carol.app.email });
  await expect(row).toHaveCount(1, { timeout: 30_000 });
  await expect(row.getByTestId('trust-badge')).toHaveText('Unknown sender');
  await expect(row).toContainText('not in your contacts');
  await checkScreen(bobPage, 'inbox-unknown-sender', testInfo);

  const out = await world.outputDir('out-bob-from-carol');
  await row.getByRole('button', { name: 'Download', exact: true }).click();
  await row.getByLabel('Save to folder').fill(out);
  await row.getByRole('button', { name: 'Download and decrypt' }).click();
  await expect(row.getByTestId('download-done')).toBeVisible({ timeout: 60_000 });
  expect(await sha256File(join(out, basename(input.revokeFile)))).toBe(input.revokeFileSha256);
});
