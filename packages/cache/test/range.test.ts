import { describe, expect, it } from 'vitest';
import { evaluateRange, rangeFor } from '../src/index.js';

describe('Range against a stored object (RFC 9110 §14)', () => {
  it('single ranges', () => {
    expect(evaluateRange('bytes=0-99', 1000)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(evaluateRange('bytes=500-', 1000)).toEqual({ kind: 'partial', start: 500, end: 999 });
    expect(evaluateRange('bytes=900-5000', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
  });

  it('suffix ranges', () => {
    expect(evaluateRange('bytes=-100', 1000)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(evaluateRange('bytes=-5000', 1000)).toEqual({ kind: 'partial', start: 0, end: 999 });
  });

  it('unsatisfiable ranges (→ 416)', () => {
    expect(evaluateRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(evaluateRange('bytes=2000-3000', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(evaluateRange('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(evaluateRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignored: other units, invalid specs, several ranges (the whole object is sent)', () => {
    for (const header of ['items=0-1', 'bytes=5-2', 'bytes=abc', 'bytes=0-1,5-6', 'bytes=-']) {
      expect(evaluateRange(header, 1000)).toEqual({ kind: 'full' });
    }
  });

  it('If-Range: the range applies only while the validator matches', () => {
    const stored = { etag: '"v2"', 'last-modified': 'Tue, 01 Jan 2030 00:00:00 GMT' };
    const range = { range: 'bytes=0-9' };
    expect(rangeFor({ ...range, 'if-range': '"v2"' }, stored, 100).kind).toBe('partial');
    expect(rangeFor({ ...range, 'if-range': '"v1"' }, stored, 100).kind).toBe('full');
    expect(rangeFor({ ...range, 'if-range': 'W/"v2"' }, stored, 100).kind).toBe('full');
    expect(rangeFor({ ...range, 'if-range': stored['last-modified'] }, stored, 100).kind).toBe('partial');
    expect(rangeFor({ ...range, 'if-range': 'Mon, 31 Dec 2029 00:00:00 GMT' }, stored, 100).kind).toBe(
      'full',
    );
  });
});
