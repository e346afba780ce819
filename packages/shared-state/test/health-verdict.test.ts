import { describe, expect, it } from 'vitest';
import { combineVerdict, decodeSnapshot } from '../src/health-verdict.js';

describe('combineVerdict', () => {
  it('local mode follows this instance only', () => {
    expect(combineVerdict(true, [false, false], 'local').healthy).toBe(true);
    expect(combineVerdict(false, [true, true], 'local').healthy).toBe(false);
  });

  it('any: one instance seeing it down is enough', () => {
    expect(combineVerdict(true, [true, false], 'any')).toEqual({ healthy: false, down: 1, observers: 3 });
    expect(combineVerdict(true, [true, true], 'any').healthy).toBe(true);
  });

  it('quorum: a majority of the observers by default, or the configured count', () => {
    expect(combineVerdict(true, [false, true], 'quorum').healthy).toBe(true);
    expect(combineVerdict(true, [false, false], 'quorum')).toEqual({ healthy: false, down: 2, observers: 3 });
    expect(combineVerdict(true, [false], 'quorum').healthy).toBe(true); // 1 of 2 is no majority
    expect(combineVerdict(true, [false], 'quorum', 1).healthy).toBe(false);
    expect(combineVerdict(true, [false, false], 'quorum', 3).healthy).toBe(true);
  });

  it('never overrides what this instance sees down itself', () => {
    expect(combineVerdict(false, [true, true], 'quorum').healthy).toBe(false);
    expect(combineVerdict(false, [true], 'any').healthy).toBe(false);
  });
});

describe('decodeSnapshot', () => {
  it('keeps only well-formed observations', () => {
    expect(decodeSnapshot('{"n":3,"h":{"web":{"a":1,"b":0,"c":"x"},"bad":5}}')).toEqual({
      n: 3,
      h: { web: { a: 1, b: 0 } },
    });
    expect(decodeSnapshot('nope')).toBeUndefined();
    expect(decodeSnapshot({ h: {} })).toBeUndefined();
  });
});
