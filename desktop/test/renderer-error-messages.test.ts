import { readdir, readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '@datacrypt/relay-server/contract';
import { ERROR_CODES } from '@datacrypt/shared-crypto';
import { describe, expect, it } from 'vitest';
import { ERROR_MESSAGES, messageFor, UNKNOWN_ERROR } from '../src/renderer/lib/error-messages.js';

const desktopDir = fileURLToPath(new URL('..', import.meta.url));

// Doc comments describe the message shape with a placeholder code; it is not a real code.
const PLACEHOLDERS = new Set(['E_CODE', 'E_SOMETHING']);

async function sourceFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return []; // a folder another part of the app has not created yet
  }
  return entries
    .filter((e) => e.isFile() && /\.tsx?$/u.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => !p.includes(`${join('src', 'renderer')}${sep}`));
}

/** Every `E_…` code written as a string literal in the desktop's non-UI code and its contract. */
async function desktopCodes(): Promise<Set<string>> {
  const codes = new Set<string>();
  // All of desktop/src except the renderer itself (core, cli, host, main, preload, bridge, ...).
  const dirs = ['src', 'shared'];
  for (const dir of dirs) {
    for (const file of await sourceFiles(join(desktopDir, dir))) {
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/['"`](E_[A-Z][A-Z0-9_]*)\b/gu)) {
        const code = m[1];
        if (!PLACEHOLDERS.has(code)) codes.add(code);
      }
    }
  }
  return codes;
}

describe('renderer error messages', () => {
  it('has a message for every relay error code', () => {
    const missing = Object.values(ErrorCode).filter((c) => !(c in ERROR_MESSAGES));
    expect(missing).toEqual([]);
  });

  it('has a message for every file-format error code', () => {
    const missing = Object.keys(ERROR_CODES).filter((c) => !(c in ERROR_MESSAGES));
    expect(missing).toEqual([]);
  });

  it('has a message for every code the desktop core, CLI and IPC contract can raise', async () => {
    const codes = await desktopCodes();
    // The scan must find the codes we know exist; an empty scan would pass vacuously.
    expect(codes).toContain('E_NETWORK');
    expect(codes).toContain('E_KEY_CHANGED');
    const missing = [...codes].filter((c) => !(c in ERROR_MESSAGES)).sort();
    expect(missing).toEqual([]);
  });

  it('says what happened and what to do, in plain words, for every entry', () => {
    for (const [code, message] of Object.entries(ERROR_MESSAGES)) {
      expect(code).toMatch(/^E_[A-Z][A-Z0-9_]*$/u);
      expect(message.title.length, code).toBeGreaterThan(8);
      expect(message.action.length, code).toBeGreaterThan(8);
      // The code is shown separately; the words themselves stay free of jargon codes.
      expect(`${message.title} ${message.action}`, code).not.toMatch(/E_[A-Z]/u);
    }
  });

  it('falls back to a generic message for an unknown code and never for a known one', () => {
    expect(messageFor('E_DOES_NOT_EXIST')).toBe(UNKNOWN_ERROR);
    expect(messageFor('toString')).toBe(UNKNOWN_ERROR);
    expect(messageFor('E_NETWORK')).not.toBe(UNKNOWN_ERROR);
    expect(messageFor('E_NETWORK').title).toMatch(/relay/iu);
  });
});
