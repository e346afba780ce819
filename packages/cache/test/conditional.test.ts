import { describe, expect, it } from 'vitest';
import { notModified } from '../src/index.js';

const stored = { etag: '"abc"', 'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT' };

describe('client conditionals against a stored response', () => {
  it('If-None-Match: weak comparison, lists and *', () => {
    expect(notModified({ 'if-none-match': '"abc"' }, stored)).toBe(true);
    expect(notModified({ 'if-none-match': 'W/"abc"' }, stored)).toBe(true);
    expect(notModified({ 'if-none-match': '"x", "abc"' }, stored)).toBe(true);
    expect(notModified({ 'if-none-match': '*' }, stored)).toBe(true);
    expect(notModified({ 'if-none-match': '"x"' }, stored)).toBe(false);
  });

  it('If-Modified-Since, ignored when If-None-Match is present', () => {
    expect(notModified({ 'if-modified-since': 'Wed, 01 Jan 2025 00:00:00 GMT' }, stored)).toBe(true);
    expect(notModified({ 'if-modified-since': 'Thu, 02 Jan 2025 00:00:00 GMT' }, stored)).toBe(true);
    expect(notModified({ 'if-modified-since': 'Tue, 31 Dec 2024 00:00:00 GMT' }, stored)).toBe(false);
    expect(
      notModified({ 'if-none-match': '"x"', 'if-modified-since': 'Thu, 02 Jan 2025 00:00:00 GMT' }, stored),
    ).toBe(false);
    expect(notModified({ 'if-modified-since': 'garbage' }, stored)).toBe(false);
  });
});
