// Static checks of electron-builder.yml (the installers themselves need internet access to build:
// `npm run dist -w desktop`): identity, the .dcrypt association, asar with native modules
// unpacked and rebuilt, the targets per OS, and that the files it packs exist after the build.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);

/** electron-builder's own check of a configuration (what `electron-builder` runs first). */
const { validateSchema } = require('app-builder-lib/out/util/config/schemaValidator.js') as {
  validateSchema: (schema: unknown, config: unknown, options: { name: string }) => void;
};
const builderSchema: unknown = require('app-builder-lib/scheme.json');

interface BuilderConfig {
  appId?: unknown;
  productName?: unknown;
  directories?: { app?: unknown; output?: unknown };
  files?: unknown;
  asar?: unknown;
  asarUnpack?: unknown;
  npmRebuild?: unknown;
  electronFuses?: Record<string, unknown>;
  fileAssociations?: { ext?: unknown; name?: unknown; role?: unknown }[];
  linux?: { target?: unknown };
  mac?: { target?: unknown };
  win?: { target?: unknown };
}

async function config(): Promise<BuilderConfig> {
  return parse(await readFile(join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
}

describe('electron-builder.yml', () => {
  it('is a valid electron-builder configuration (its own schema), and the check can fail', async () => {
    const c = await config();
    expect(() => {
      validateSchema(builderSchema, c, { name: 'electron-builder' });
    }).not.toThrow();
    expect(() => {
      validateSchema(builderSchema, { ...c, asarUnpak: ['x'] }, { name: 'electron-builder' });
    }).toThrow(/asarUnpak/u);
  });

  it('flips the Electron fuses that would let the app run as plain Node or load other code', async () => {
    const c = await config();
    expect(c.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
    });
  });

  it('names the app and associates .dcrypt files', async () => {
    const c = await config();
    expect(c.appId).toBe('app.datacrypt.desktop');
    expect(c.productName).toBe('DataCrypt');
    expect(c.fileAssociations).toEqual([
      expect.objectContaining({ ext: 'dcrypt', role: 'Viewer' }) as unknown,
    ]);
  });

  it('packs into asar, unpacks and rebuilds the native modules', async () => {
    const c = await config();
    expect(c.asar).toBe(true);
    expect(c.npmRebuild).toBe(true);
    const unpack = c.asarUnpack as string[];
    expect(unpack.some((p) => p.includes('better-sqlite3'))).toBe(true);
    expect(unpack.some((p) => p.includes('keytar'))).toBe(true);
    expect(unpack).toContain('**/*.node');
  });

  it('builds AppImage + deb, dmg and nsis', async () => {
    const c = await config();
    expect(c.linux?.target).toEqual(['AppImage', 'deb']);
    expect(c.mac?.target).toEqual(['dmg']);
    expect(c.win?.target).toEqual(['nsis']);
  });

  it('packs the app folder whose package.json main, preload and renderer are in its files', async () => {
    const c = await config();
    expect(c.directories?.app).toBe('desktop');
    const app = join(root, String(c.directories?.app));
    const pkg = JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as {
      main?: string;
      devDependencies?: Record<string, string>;
    };
    expect(pkg.main).toBe('dist/main/index.js');
    expect(pkg.devDependencies?.['electron']).toBeDefined();
    const files = c.files as string[];
    for (const pattern of [
      'package.json',
      'dist/main/**/*.js',
      'dist/preload/index.cjs',
      'dist-renderer/**/*',
      'dist/shared/**/*.js',
    ]) {
      expect(files).toContain(pattern);
    }
    // The main process loads these at run time (src/main/app.ts); the build must have made them.
    for (const entry of [
      'dist/main/index.js',
      'dist/main/app.js',
      'dist/shared/index.js',
      'dist/host/handlers.js',
    ]) {
      expect(existsSync(join(app, entry)), `${entry} (run npx tsc -b)`).toBe(true);
    }
    for (const entry of ['dist/preload/index.cjs', 'dist-renderer/index.html']) {
      expect(
        existsSync(join(app, entry)),
        `${entry} (run npm run build:preload / build:renderer -w desktop)`,
      ).toBe(true);
    }
  });
});
