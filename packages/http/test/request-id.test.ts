import { describe, expect, it } from 'vitest';
import { buildRequestHead, buildResponseHead } from '../src/headers.js';
import { parseRequestHead, RequestHead } from '../src/http1/request-head.js';
import { parseResponseHead, ResponseHead } from '../src/http1/response-head.js';
import {
  compileRequestId,
  generateRequestId,
  incomingRequestId,
  keepsIncoming,
  validRequestId,
} from '../src/request-id.js';
import { localResponseWith } from '../src/responses.js';

const limits = { maxHeaderSize: 8192, maxHeaders: 100, maxRequestLine: 8192 };
const req = (fields: string) => {
  const h = new RequestHead();
  parseRequestHead(Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\n${fields}\r\n`, 'latin1'), 0, limits, h);
  return h;
};

describe('request id settings', () => {
  it('defaults to X-Request-Id, ids kept only from trusted proxies, returned on the response', () => {
    expect(compileRequestId(undefined)).toEqual({
      name: 'X-Request-Id',
      lower: 'x-request-id',
      trustIncoming: false,
      response: true,
    });
    expect(compileRequestId({ enabled: false })).toBeNull();
    expect(compileRequestId({ header: 'X-Trace', trustIncoming: true, response: false })).toEqual({
      name: 'X-Trace',
      lower: 'x-trace',
      trustIncoming: true,
      response: false,
    });
  });
  it('rejects header names that are not tokens or that frame the message', () => {
    expect(() => compileRequestId({ header: 'bad name' })).toThrow(/invalid header name/);
    expect(() => compileRequestId({ header: '' })).toThrow(/invalid header name/);
    expect(() => compileRequestId({ header: 'Content-Length' })).toThrow(/cannot carry/);
  });
});

describe('generated ids', () => {
  it('share a per-process prefix and differ by a counter', () => {
    const a = generateRequestId();
    const b = generateRequestId();
    expect(a).not.toBe(b);
    expect(a.slice(0, a.lastIndexOf('-'))).toBe(b.slice(0, b.lastIndexOf('-')));
    expect(validRequestId(a)).toBe(true);
    expect(a).toMatch(/^[A-Za-z0-9_-]{8}-[0-9a-z]+$/);
  });
  it('are unique over many calls', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(generateRequestId());
    expect(seen.size).toBe(10_000);
  });
});

describe('incoming ids', () => {
  it('accepts visible ASCII up to 128 characters only', () => {
    expect(validRequestId('abc-123_XYZ.~!')).toBe(true);
    expect(validRequestId('x'.repeat(128))).toBe(true);
    expect(validRequestId('x'.repeat(129))).toBe(false);
    expect(validRequestId('')).toBe(false);
    expect(validRequestId('has space')).toBe(false);
    expect(validRequestId('tab\there')).toBe(false);
    expect(validRequestId('caf\u00e9')).toBe(false);
  });
  it('finds one field, reports repeats as null', () => {
    expect(incomingRequestId(req('X-Request-Id: r1\r\n'), 'x-request-id')).toBe('r1');
    expect(incomingRequestId(req(''), 'x-request-id')).toBeUndefined();
    expect(incomingRequestId(req('X-Request-Id: r1\r\nx-request-id: r2\r\n'), 'x-request-id')).toBeNull();
  });
  it('keeps a received id only from trusted clients or with trustIncoming', () => {
    const rid = compileRequestId(undefined)!;
    expect(keepsIncoming(rid, 'r1', true)).toBe(true);
    expect(keepsIncoming(rid, 'r1', false)).toBe(false);
    expect(keepsIncoming({ ...rid, trustIncoming: true }, 'r1', false)).toBe(true);
    expect(keepsIncoming(rid, 'bad id', true)).toBe(false);
    expect(keepsIncoming(rid, null, true)).toBe(false);
    expect(keepsIncoming(rid, undefined, true)).toBe(false);
  });
});

describe('request id on the wire', () => {
  it('replaces a received field upstream when ours is added', () => {
    const head = buildRequestHead(req('X-Request-Id: forged\r\nAccept: */*\r\n'), {
      target: '/',
      host: 'a',
      rewrite: null,
      dropForwarded: 0,
      extra: 'X-Request-Id: ours\r\n',
      drop: 'x-request-id',
      upgrade: false,
    });
    expect(head).not.toContain('forged');
    expect(head.match(/x-request-id/gi)).toHaveLength(1);
    expect(head).toContain('Accept: */*\r\nX-Request-Id: ours\r\n');
  });
  it('drops the id a server echoes so the client sees ours once', () => {
    const res = new ResponseHead();
    parseResponseHead(
      Buffer.from('HTTP/1.1 200 OK\r\nX-Request-Id: echoed\r\nContent-Length: 0\r\n\r\n'),
      0,
      false,
      res,
    );
    const head = buildResponseHead(res, null, 'X-Request-Id: ours\r\n\r\n', 'x-request-id');
    expect(head).toBe('HTTP/1.1 200 OK\r\nX-Request-Id: ours\r\n\r\n');
  });
  it('adds the id to local error responses without touching the cached ones', () => {
    const text = localResponseWith(502, false, 'X-Request-Id: r9\r\n').toString('latin1');
    expect(text).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(text).toContain('\r\nX-Request-Id: r9\r\n\r\n502 Bad Gateway\n');
    expect(localResponseWith(502, false, '').toString('latin1')).not.toContain('X-Request-Id');
  });
});
