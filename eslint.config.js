// @ts-check
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/dist-test/**',
      '**/dist-renderer/**',
      '**/node_modules/**',
      '**/coverage/**',
      '**/data/**',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [...tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Ports and adapters (ARCHITECTURE.md): relay routes only see ports.
    files: ['relay-server/src/plugins/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/adapters/**'],
              message: 'Routes use ports (src/ports.ts), never adapters.',
            },
            {
              group: [
                'mongoose',
                '@aws-sdk/*',
                'better-sqlite3',
                'nodemailer',
                'node:fs',
                'node:fs/*',
                'fs',
              ],
              message: 'Storage and mail belong in adapters behind a port.',
            },
          ],
        },
      ],
    },
  },
  {
    // desktop/core runs under plain Node (CLI, tests, web host) as well as Electron main.
    files: ['desktop/src/core/**/*.ts', 'shared-crypto/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'Core code must not depend on Electron.' }] },
      ],
    },
  },
  {
    // The renderer and the browser bridge run in a sandboxed page: they reach the app only through
    // window.datacrypt (the IPC contract in desktop/shared), never Node, Electron or the core.
    files: ['desktop/src/renderer/**/*.{ts,tsx}', 'desktop/src/renderer-bridge/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The renderer talks to main only via window.datacrypt.' },
            ...builtinModules.map((name) => ({ name, message: 'The renderer has no Node.js.' })),
          ],
          patterns: [
            { group: ['node:*'], message: 'The renderer has no Node.js.' },
            {
              // Relative imports of desktop/src/{core,main,host,web-host,preload} (not packages).
              regex: '^(\\.\\./)+(src/)?(core|main|host|web-host|preload)(/|$)',
              message: 'The renderer uses the IPC contract (desktop/shared), not main-side code.',
            },
            {
              group: ['#shared'],
              message: 'Import desktop/shared by relative path (bundled source).',
            },
          ],
        },
      ],
    },
  },
  {
    // The IPC contract is shared by the renderer, the preload and main: plain TypeScript only.
    files: ['desktop/shared/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The contract must not depend on Electron.' },
            ...builtinModules.map((name) => ({ name, message: 'The contract has no Node.js.' })),
          ],
          patterns: [
            { group: ['node:*'], message: 'The contract runs in the renderer too: no Node.js.' },
            {
              group: ['../src/**', '../../src/**'],
              message: 'The contract depends on nothing else.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
      },
    },
    rules: {
      // Scripts may import timers explicitly; that is not a redeclaration worth flagging.
      'no-redeclare': ['error', { builtinGlobals: false }],
    },
  },
);
