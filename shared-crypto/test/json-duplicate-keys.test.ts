import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findDuplicateKey } from '../src/format/json-duplicate-keys.js';
import { parseManifest } from '../src/index.js';
import { testIdentity } from './helpers.js';
import { encodePublicIdentity } from '../src/index.js';

describe('duplicate JSON keys', () => {
  it('finds duplicates at any depth, after unescaping, and ignores look-alikes', () => {
    expect(findDuplicateKey('{"a":1,"a":2}')).toBe('a');
    expect(findDuplicateKey('{"a":1,"\\u0061":2}')).toBe('a');
    expect(findDuplicateKey('{"x":[{"p":1},{"q":{"k":"v","k":"w"}}]}')).toBe('k');
    expect(findDuplicateKey('{"a":"a","b":["a","a"],"c":{"a":1}}')).toBeNull();
    expect(findDuplicateKey('{"a\\"b":1,"a\\\\":2,"k":"}{,:"}')).toBeNull();
    expect(findDuplicateKey('[1,2,"x"]')).toBeNull();
  });

  it('never reports a duplicate for JSON that JSON.stringify produced', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(findDuplicateKey(JSON.stringify(value))).toBeNull();
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('the manifest parser refuses a manifest with a repeated key (E_MANIFEST)', () => {
    const sender = encodePublicIdentity(testIdentity('alice').publicIdentity);
    const text = `{"v":1,"sender":"${sender}","padding":0,"entries":[{"type":"file","path":"a","size":1,"mime":"text/plain","mime":"image/png"}]}`;
    expect(() => parseManifest(new TextEncoder().encode(text))).toThrow(
      expect.objectContaining({ code: 'E_MANIFEST' }),
    );
  });
});
