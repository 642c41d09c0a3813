import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Builds the real renderer with the real vite config (into a temporary folder, so the test does not
// race `npm run build:renderer`) and checks that the output runs under a strict CSP with no network.

const desktopDir = fileURLToPath(new URL('..', import.meta.url));
let outDir: string;
let html: string;
let scripts: string[];
let styles: string[];

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'datacrypt-renderer-'));
  await build({
    configFile: join(desktopDir, 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
  html = await readFile(join(outDir, 'index.html'), 'utf8');
  const assets = await readdir(join(outDir, 'assets'));
  scripts = await Promise.all(
    assets.filter((f) => f.endsWith('.js')).map((f) => readFile(join(outDir, 'assets', f), 'utf8')),
  );
  styles = await Promise.all(
    assets
      .filter((f) => f.endsWith('.css'))
      .map((f) => readFile(join(outDir, 'assets', f), 'utf8')),
  );
}, 120_000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('renderer build', () => {
  it('produces an index.html with external module scripts only (no inline script)', () => {
    const tags = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/giu)];
    expect(tags.length).toBeGreaterThan(0);
    for (const [, attrs = '', body = ''] of tags) {
      expect(attrs).toMatch(/\btype="module"/u);
      expect(attrs).toMatch(/\bsrc="\.\/assets\/[^"]+\.js"/u);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+=/iu); // no inline event handlers
    expect(html).not.toMatch(/<style\b/iu);
    expect(html).not.toMatch(/\sstyle=/iu);
  });

  it('declares a strict Content-Security-Policy', () => {
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/u.exec(html)?.[1];
    expect(csp).toBeDefined();
    const directives = new Map(
      (csp ?? '').split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/u);
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:\/\/(?!127\.0\.0\.1|localhost)/u);
  });

  it('loads every asset from its own folder: no remote URLs, no data: URLs', async () => {
    for (const m of html.matchAll(/\b(?:src|href)="([^"]+)"/gu)) {
      const ref = m[1];
      expect(ref).toMatch(/^\.\/(assets\/|favicon\.svg$)/u);
      await expect(readFile(join(outDir, ref))).resolves.toBeInstanceOf(Buffer);
    }
    for (const css of styles) {
      expect(css).not.toMatch(/@import/u);
      for (const m of css.matchAll(/url\(([^)]*)\)/gu)) {
        expect(m[1]).not.toMatch(/^["']?(https?:|data:|\/\/)/u);
      }
    }
  });

  it('has no code that fetches remote code or needs unsafe-eval', () => {
    expect(scripts.length).toBeGreaterThan(0);
    for (const js of scripts) {
      expect(js).not.toMatch(/\bimport\(\s*["'`]https?:/u);
      expect(js).not.toMatch(/\bfrom\s*["'`]https?:/u);
      expect(js).not.toMatch(/\bnew Function\(/u);
      expect(js).not.toMatch(/\beval\(/u);
      expect(js).not.toMatch(/fonts\.googleapis|cdn\.jsdelivr|unpkg\.com|cdnjs/u);
    }
  });

  it('bundles the app (the screens are in the output)', () => {
    const all = scripts.join('\n');
    for (const testId of ['screen-onboarding', 'screen-send', 'screen-inbox', 'screen-contacts']) {
      expect(all).toContain(testId);
    }
  });
});
