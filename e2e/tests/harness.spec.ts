import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import {
  hashTree,
  MiB,
  sha256File,
  writeRandomFile,
  writeSampleFolder,
} from '../fixtures/files.js';
import { waitForVerificationCode } from '../fixtures/mail.js';
import { expectAccessible } from '../fixtures/screens.js';
import { RelayFixture } from '../fixtures/relay.js';

// The harness itself, against the real relay: a journey that fails should fail in the app, not
// in the plumbing around it.
test.describe('harness', () => {
  test('relay starts, mails a code to the outbox, stops and starts again on its data', async () => {
    const relay = await RelayFixture.create();
    try {
      const register = async (email: string): Promise<number> => {
        const res = await fetch(`${relay.url}/api/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: 'correct horse battery staple 42' }),
        });
        return res.status;
      };
      expect(await register('harness@example.test')).toBeLessThan(300);
      const first = await waitForVerificationCode(relay.outboxDir, 'harness@example.test');
      expect(first.code).toMatch(/^[0-9]{6}$/);

      await relay.stop();
      await expect(fetch(`${relay.url}/api/auth/me`)).rejects.toThrow();
      await relay.start();
      const me = await fetch(`${relay.url}/api/auth/me`);
      expect(me.status).toBe(401);
    } finally {
      await relay.dispose();
    }
  });

  test('file generators and hashes agree', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'datacrypt-e2e-files-'));
    try {
      const digest = await writeRandomFile(join(dir, 'one.bin'), 2 * MiB + 7);
      expect(await sha256File(join(dir, 'one.bin'))).toBe(digest);
      const tree = await writeSampleFolder(join(dir, 'folder'));
      expect([...tree.keys()]).toEqual([
        'notes/deeper/scan.bin',
        'notes/empty.txt',
        'notes/Überblick 2026.md',
        'README.txt',
      ]);
      expect(await hashTree(join(dir, 'folder'))).toEqual(tree);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the accessibility check fails on serious violations and passes a clean page', async ({
    page,
  }) => {
    await page.setContent(
      '<html lang="en"><head><title>t</title></head><body><main><h1>Fine</h1>' +
        '<button type="button">Named</button></main></body></html>',
    );
    await expectAccessible(page, 'harness-clean', test.info());
    await page.setContent(
      '<html lang="en"><head><title>t</title></head><body><main><h1>Broken</h1>' +
        '<button type="button"></button><input type="text"></main></body></html>',
    );
    let failure = '';
    try {
      await expectAccessible(page, 'harness-broken', test.info());
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    }
    expect(failure).toContain('button-name (critical)');
    expect(failure).toContain('label (critical)');
  });
});
