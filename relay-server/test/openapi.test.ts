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

/** Every method and path the app serves, read from Fastify's route tree. */
function servedRoutes(tree: string): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (.+) \(([A-Z, ]+)\)$/.exec(line);
    if (m === null) continue;
    const [, indent = '', segment = '', methods = ''] = m;
    const depth = indent.length / 4;
    const path = (stack[depth - 1] ?? '') + segment;
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of methods.split(', ')) out.push({ method, path });
  }
  return out;
}

it('documents every route the relay serves, with its method', async () => {
  const doc = await call<{ paths: Record<string, Record<string, unknown>> }>(
    relay,
    'GET',
    '/docs/json',
  );
  const served = servedRoutes(relay.app.printRoutes({ commonPrefix: false }));
  expect(served).toContainEqual({ method: 'DELETE', path: '/api/transfers/:transferId' });
  // The docs UI itself, and /metrics, which is kept out of the public API description on purpose
  // (operators scrape it; see README "Operations").
  const undocumented = served.filter(
    (r) => r.method !== 'HEAD' && !r.path.startsWith('/docs') && r.path !== '/metrics',
  );
  expect(undocumented.length).toBeGreaterThan(30);
  for (const { method, path } of undocumented) {
    const openapiPath = path.replace(/:([A-Za-z]+)/g, '{$1}');
    expect({
      method,
      path,
      documented: method.toLowerCase() in (doc.body.paths[openapiPath] ?? {}),
    }).toEqual({ method, path, documented: true });
  }
});
