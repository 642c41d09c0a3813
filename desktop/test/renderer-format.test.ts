import { describe, expect, it } from 'vitest';
import {
  baseName,
  formatBytes,
  formatEta,
  formatRate,
  groupFingerprint,
} from '../src/renderer/lib/format.js';

describe('renderer formatting', () => {
  it('formats sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50.0 MB');
    expect(formatBytes(3 * 1024 ** 4)).toBe('3.0 TB');
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
  });

  it('formats rates and remaining time', () => {
    expect(formatRate(1048576)).toBe('1.0 MB/s');
    expect(formatEta(null)).toBe('estimating…');
    expect(formatEta(9.6)).toBe('10 s');
    expect(formatEta(75)).toBe('1 min 15 s');
    expect(formatEta(3 * 3600 + 120)).toBe('3 h 2 min');
  });

  it('groups fingerprints by four and keeps grouped ones', () => {
    expect(groupFingerprint('a1b2c3d4e5')).toBe('a1b2 c3d4 e5');
    expect(groupFingerprint('a1b2 c3d4')).toBe('a1b2 c3d4');
  });

  it('takes the last path segment with either separator', () => {
    expect(baseName('/home/a/report.pdf')).toBe('report.pdf');
    expect(baseName('C:\\Users\\a\\photos\\')).toBe('photos');
    expect(baseName('plain')).toBe('plain');
  });
});
