import { describe, expect, it } from 'vitest';
import { MalformedRequestError } from '../src/errors.js';
import {
  BODY_CHUNKED,
  BODY_LENGTH,
  BODY_NONE,
  parseRequestHead,
  RequestHead,
} from '../src/http1/request-head.js';

const LIMITS = { maxHeaderSize: 1024, maxHeaders: 20, maxRequestLine: 200 };

function parse(text: string): RequestHead {
  const head = new RequestHead();
  const end = parseRequestHead(Buffer.from(text, 'latin1'), 0, LIMITS, head);
  if (end < 0) throw new Error('incomplete');
  return head;
}

function code(text: string): string {
  try {
    parse(text);
    return 'ok';
  } catch (error) {
    return (error as MalformedRequestError).code;
  }
}

describe('parseRequestHead', () => {
  it('parses a simple request and keeps field names as received', () => {
    const h = parse('GET /a/b?x=1&y HTTP/1.1\r\nHost: Example.ORG:8080\r\nX-Mixed-Case:  v  \r\n\r\n');
    expect(h.method).toBe('GET');
    expect(h.target).toBe('/a/b?x=1&y');
    expect(h.path).toBe('/a/b');
    expect(h.query).toBe('x=1&y');
    expect(h.hostname).toBe('example.org');
    expect(h.authority).toBe('Example.ORG:8080');
    expect(h.names).toEqual(['Host', 'X-Mixed-Case']);
    expect(h.lower).toEqual(['host', 'x-mixed-case']);
    expect(h.values).toEqual(['Example.ORG:8080', 'v']);
    expect(h.framing).toBe(BODY_NONE);
    expect(h.keepAlive).toBe(true);
  });

  it('returns -1 until the head is complete, and the offset past it after', () => {
    const full = Buffer.from('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc');
    for (let i = 0; i < full.length - 3; i++) {
      expect(parseRequestHead(full.subarray(0, i), 0, LIMITS, new RequestHead())).toBe(-1);
    }
    const head = new RequestHead();
    expect(parseRequestHead(full, 0, LIMITS, head)).toBe(full.length - 3);
    expect(head.framing).toBe(BODY_LENGTH);
    expect(head.contentLength).toBe(3);
  });

  it('skips empty lines before the request line', () => {
    expect(parse('\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n').method).toBe('GET');
  });

  it('turns absolute-form into origin-form with the authority as host', () => {
    const h = parse('GET http://Other.example:81/p?q HTTP/1.1\r\nHost: ignored\r\n\r\n');
    expect(h.target).toBe('/p?q');
    expect(h.hostname).toBe('other.example');
    expect(parse('GET http://a.example HTTP/1.1\r\nHost: x\r\n\r\n').target).toBe('/');
  });

  it('knows connection management and framing', () => {
    expect(parse('GET / HTTP/1.0\r\n\r\n').keepAlive).toBe(false);
    expect(parse('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').keepAlive).toBe(true);
    expect(parse('GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n').keepAlive).toBe(false);
    const h = parse('GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, X-Foo\r\nUpgrade: websocket\r\n\r\n');
    expect(h.connUpgrade).toBe(true);
    expect(h.connTokens).toEqual(['x-foo']);
    expect(parse('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n').framing).toBe(
      BODY_CHUNKED,
    );
    expect(parse('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n').framing).toBe(BODY_NONE);
    expect(parse('POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\n\r\n').expectContinue).toBe(true);
    expect(parse('GET / HTTP/1.1\r\nHost: h\r\nTE: gzip, trailers\r\n\r\n').teTrailers).toBe(true);
  });

  it('rejects what could smuggle with stable codes', () => {
    const cases: [string, string][] = [
      [
        'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
        'LVS7_HTTP_CONTENT_LENGTH_AND_TRANSFER_ENCODING',
      ],
      [
        'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
        'LVS7_HTTP_BAD_CONTENT_LENGTH',
      ],
      ['POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1,2\r\n\r\n', 'LVS7_HTTP_BAD_CONTENT_LENGTH'],
      ['POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x1\r\n\r\n', 'LVS7_HTTP_BAD_CONTENT_LENGTH'],
      [
        'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1234567890123456\r\n\r\n',
        'LVS7_HTTP_BAD_CONTENT_LENGTH',
      ],
      [
        'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n',
        'LVS7_HTTP_BAD_TRANSFER_ENCODING',
      ],
      [
        'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
        'LVS7_HTTP_UNSUPPORTED_TRANSFER_ENCODING',
      ],
      [
        'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n',
        'LVS7_HTTP_UNSUPPORTED_TRANSFER_ENCODING',
      ],
      ['GET / HTTP/1.1\r\nHost: h\r\nX: \x7f\r\n\r\n', 'LVS7_HTTP_INVALID_HEADER'],
      ['GET / HTTP/1.1\r\nHost: h\r\n: empty-name\r\n\r\n', 'LVS7_HTTP_INVALID_HEADER'],
      ['GET / HTTP/1.1\r\nHost: h\r\nX\t: tab\r\n\r\n', 'LVS7_HTTP_INVALID_HEADER'],
      ['GET / HTTP/1.1\nHost: h\r\n\r\n', 'LVS7_HTTP_BAD_REQUEST_LINE'],
      ['GET / HTTP/1.1 \r\nHost: h\r\n\r\n', 'LVS7_HTTP_BAD_REQUEST_LINE'],
      ['G(T / HTTP/1.1\r\nHost: h\r\n\r\n', 'LVS7_HTTP_BAD_REQUEST_LINE'],
      ['GET /\xe9 HTTP/1.1\r\nHost: h\r\n\r\n', 'LVS7_HTTP_BAD_REQUEST_LINE'],
      ['GET * HTTP/1.1\r\nHost: h\r\n\r\n', 'LVS7_HTTP_BAD_REQUEST_LINE'],
      ['GET ftp://x/ HTTP/1.1\r\nHost: h\r\n\r\n', 'LVS7_HTTP_BAD_REQUEST_LINE'],
      ['GET http://u@x/ HTTP/1.1\r\nHost: h\r\n\r\n', 'LVS7_HTTP_BAD_REQUEST_LINE'],
      ['GET / HTTP/3.0\r\nHost: h\r\n\r\n', 'LVS7_HTTP_VERSION_NOT_SUPPORTED'],
      ['GET / HTTP/1.1\r\n\r\n', 'LVS7_HTTP_BAD_HOST'],
      ['GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n', 'LVS7_HTTP_BAD_HOST'],
      ['GET / HTTP/1.1\r\nHost: a/b\r\n\r\n', 'LVS7_HTTP_BAD_HOST'],
    ];
    for (const [text, expected] of cases) expect([text, code(text)]).toEqual([text, expected]);
    expect(code('OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n')).toBe('ok');
  });

  it('enforces limits: 414 for the request line, 431 for fields', () => {
    expect(code(`GET /${'a'.repeat(300)} HTTP/1.1\r\nHost: h\r\n\r\n`)).toBe('LVS7_HTTP_URI_TOO_LONG');
    expect(code(`GET / HTTP/1.1\r\nHost: h\r\nX: ${'a'.repeat(1100)}\r\n\r\n`)).toBe(
      'LVS7_HTTP_HEADERS_TOO_LARGE',
    );
    const many = Array.from({ length: 21 }, (_, i) => `X-${i}: 1\r\n`).join('');
    expect(code(`GET / HTTP/1.1\r\nHost: h\r\n${many}\r\n`)).toBe('LVS7_HTTP_HEADERS_TOO_LARGE');
    // Incomplete but already too big: rejected without waiting for the end.
    expect(() =>
      parseRequestHead(Buffer.from(`GET /${'a'.repeat(300)}`), 0, LIMITS, new RequestHead()),
    ).toThrow(MalformedRequestError);
    expect(() =>
      parseRequestHead(Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(1400)}`), 0, LIMITS, new RequestHead()),
    ).toThrow(/too large/);
  });
});
