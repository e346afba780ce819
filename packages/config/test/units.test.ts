import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parsePercent, parseSize } from '../src/index.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['1s', 1000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    [' 10 s ', 10_000],
    ['250', 250],
    [250, 250],
    [0, 0],
  ] as const)('%j → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'abc', '5 seconds', '1.s', '-1s', '1w', '1m30s'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('rejects negative and non-finite numbers', () => {
    expect(parseDuration(-1)).toBeUndefined();
    expect(parseDuration(Number.POSITIVE_INFINITY)).toBeUndefined();
  });

  it('formats the shortest exact form', () => {
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(120_000)).toBe('2m');
    expect(formatDuration(250)).toBe('250ms');
  });
});

describe('parseSize (k = 1024, as HAProxy and nginx)', () => {
  it.each([
    ['1024', 1024],
    [1024, 1024],
    ['100b', 100],
    ['4k', 4096],
    ['64KiB', 65_536],
    ['16KB', 16_384],
    ['256MB', 268_435_456],
    ['1m', 1_048_576],
    ['2GB', 2_147_483_648],
    ['1.5k', 1536],
  ] as const)('%j → %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'lots', '1TB', '-1', '1 kilobyte'])('rejects %j', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });

  it('rejects fractional byte counts', () => {
    expect(parseSize(1.5)).toBeUndefined();
  });
});

describe('parsePercent', () => {
  it.each([
    ['50%', 50],
    ['12.5%', 12.5],
    ['0%', 0],
    ['100%', 100],
    [25, 25],
    ['30', 30],
  ] as const)('%j → %d', (text, n) => {
    expect(parsePercent(text)).toBe(n);
  });

  it.each(['101%', '-5%', 'half', 101])('rejects %j', (text) => {
    expect(parsePercent(text)).toBeUndefined();
  });
});
