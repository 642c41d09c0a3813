import { afterAll, beforeAll, expect, it } from 'vitest';
import { Routes } from '../src/contract/index.js';
import { call, startRelay, type TestRelay } from './helpers/relay.js';

let relay: TestRelay;
beforeAll(async () => {
  relay = await startRelay();
});
afterAll(async () => {
  await relay.close();
});

it('documents every contract route in the OpenAPI document served under /docs', async () => {
  const doc = await call<{ paths: Record<string, Record<string, unknown>> }>(
    relay,
    'GET',
    '/docs/json',
  );
  expect(doc.status).toBe(200);
  const documented = Object.keys(doc.body.paths);
  for (const path of Object.values(Routes)) {
    expect(documented).toContain(path.replace(/:([A-Za-z]+)/g, '{$1}'));
  }
  const ui = await fetch(`${relay.url}/docs/`);
  expect(ui.status).toBe(200);
});
