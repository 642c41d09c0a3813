// Bundles the preload (src/preload/index.ts + the contract it imports) into one CommonJS file,
// dist/preload/index.cjs: a sandboxed preload can `require('electron')` and nothing else, so the
// contract code has to be inside it. `electron` stays external (the sandbox provides it).
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  configFile: false,
  root,
  logLevel: 'warn',
  build: {
    lib: {
      entry: 'src/preload/index.ts',
      formats: ['cjs'],
      fileName: () => 'index.cjs',
    },
    outDir: 'dist/preload',
    emptyOutDir: false,
    target: 'chrome130',
    minify: false,
    sourcemap: false,
    rollupOptions: { external: ['electron'] },
  },
});
console.log('preload bundled: dist/preload/index.cjs');
