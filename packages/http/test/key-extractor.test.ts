import { describe, expect, it } from 'vitest';
import { parseRequestHead, RequestHead } from '../src/http1/request-head.js';
import { compileKey } from '../src/key-extractor.js';

const head = (text: string) => {
  const h = new RequestHead();
  parseRequestHead(Buffer.from(text), 0, { maxHeaderSize: 8192, maxHeaders: 100, maxRequestLine: 8192 }, h);
  return h;
};

describe('compileKey', () => {
  const r = head(
    'GET /p/q?u=alice%20b&x=1&u=second HTTP/1.1\r\nHost: Shop.Example:8080\r\nX-User: u1\r\nX-User: u2\r\n' +
      'Cookie: a=1; sid="s-42"\r\nCookie: later=x\r\n\r\n',
  );
  const key = (spec: string) => compileKey(spec, 'route')!(r, '10.0.0.9');

  it('extracts every kind of key', () => {
    expect(key('url')).toBe('/p/q?u=alice%20b&x=1&u=second');
    expect(key('host')).toBe('shop.example');
    expect(key('path')).toBe('/p/q');
    expect(key('source')).toBe('10.0.0.9');
    expect(key('header:x-user')).toBe('u1, u2');
    expect(key('cookie:sid')).toBe('s-42');
    expect(key('cookie:later')).toBe('x');
    expect(key('query:u')).toBe('alice b');
  });

  it('gives undefined when the value is missing, so the scheduler uses the client address', () => {
    expect(key('header:x-none')).toBeUndefined();
    expect(key('cookie:none')).toBeUndefined();
    expect(key('query:none')).toBeUndefined();
  });

  it('is null when unset and rejects unknown specs', () => {
    expect(compileKey(undefined, 'r')).toBeNull();
    for (const bad of ['', 'uri', 'header:', 'cookie', 'body:x'])
      expect(() => compileKey(bad, 'r')).toThrow(/key/);
  });
});
