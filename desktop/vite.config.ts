import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * Builds the React renderer (src/renderer) into dist-renderer/, which Electron loads from disk and
 * the web host serves. Relative asset paths (base './') work under file:// and http alike; no
 * inline scripts, no data: URLs and no remote URLs, so a strict CSP (script-src 'self') holds.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./src/renderer', import.meta.url)),
  base: './',
  plugins: [react()],
  resolve: {
    // The canvas-free QR encoder of the `qrcode` package (typed in src/renderer/lib/qrcode-core.d.ts).
    alias: { 'qrcode-encoder': 'qrcode/lib/core/qrcode.js' },
  },
  build: {
    outDir: fileURLToPath(new URL('./dist-renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The polyfill would be bundled anyway, but modern Chromium needs none: keep the output minimal.
    modulePreload: { polyfill: false },
    // Never turn assets into data: URLs (CSP img-src/font-src stay 'self').
    assetsInlineLimit: 0,
    sourcemap: true,
    reportCompressedSize: false,
  },
});
