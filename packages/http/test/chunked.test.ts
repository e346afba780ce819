import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../src/errors.js';
import { ChunkedFramingError, ChunkedParser } from '../src/http1/chunked.js';
import { BODY_CHUNKED, BODY_LENGTH, BODY_NONE, BODY_UNTIL_CLOSE } from '../src/http1/request-head.js';
import { parseResponseHead, ResponseHead } from '../src/http1/response-head.js';

function encode(pieces: string[], trailers = ''): string {
  return pieces.map((p) => `${p.length.toString(16)}\r\n${p}\r\n`).join('') + `0\r\n${trailers}\r\n`;
}

/** Feeds `data` split at `cuts`; returns where the body ended (absolute offset) and the decoded payload. */
function feed(data: Buffer, cuts: number[]): { end: number; payload: string } {
  let payload = '';
  const parser = new ChunkedParser(1024, {
    onChunkData: (buf, s, e) => {
      payload += buf.toString('latin1', s, e);
    },
  });
  const points = [...new Set([0, ...cuts.filter((c) => c > 0 && c < data.length), data.length])].sort(
    (a, b) => a - b,
  );
  for (let i = 0; i + 1 < points.length; i++) {
    const piece = data.subarray(points[i], points[i + 1]);
    const end = parser.feed(piece, 0);
    if (end >= 0) return { end: points[i]! + end, payload };
  }
  return { end: -1, payload };
}

describe('ChunkedParser', () => {
  it('finds the end of the body however the bytes are split (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 40 }), { maxLength: 6 }),
        fc.array(fc.nat({ max: 400 }), { maxLength: 10 }),
        fc.boolean(),
        (pieces, cuts, withTrailers) => {
          const body = encode(pieces, withTrailers ? 'X-T: 1\r\n' : '');
          const data = Buffer.from(body + 'NEXT', 'latin1');
          const { end, payload } = feed(data, cuts);
          expect(end).toBe(Buffer.byteLength(body, 'latin1'));
          expect(payload).toBe(pieces.join(''));
        },
      ),
    );
  });

  it('accepts extensions and trailers', () => {
    for (const body of ['3;a=b;c="d"\r\nabc\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n', '3 ;a\r\nabc\r\n0\r\n\r\n']) {
      expect(feed(Buffer.from(`${body}GET`), []).end).toBe(body.length);
    }
  });

  it('rejects malformed framing', () => {
    for (const bad of [
      'x\r\n',
      '3\nabc',
      '3 \r\nabc\r\n',
      '3 x\r\n',
      '3\r\nabcd\r\n',
      '3\r\nabc\n0\r\n',
      '3;\x01\r\n',
      '0\r\nbad trailer\r\n',
      '0\r\nX: \x00\r\n',
      '0\r\n\r\r',
      'ffffffffffffff\r\n',
    ]) {
      expect(() => new ChunkedParser(1024).feed(Buffer.from(bad, 'latin1'), 0), bad).toThrow(
        ChunkedFramingError,
      );
    }
  });

  it('bounds the trailer section', () => {
    const parser = new ChunkedParser(16);
    expect(() => parser.feed(Buffer.from('0\r\nX-Long: aaaaaaaaaaaaaaaaaaaaa\r\n\r\n'), 0)).toThrow(
      /too large/,
    );
  });
});

describe('parseResponseHead', () => {
  const parse = (text: string, bodiless = false) => {
    const head = new ResponseHead();
    expect(parseResponseHead(Buffer.from(text, 'latin1'), 0, bodiless, head)).toBe(
      text.indexOf('\r\n\r\n') + 4,
    );
    return head;
  };

  it('finds the framing by RFC 9112 §6.3', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n').framing).toBe(BODY_LENGTH);
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n').framing).toBe(BODY_CHUNKED);
    expect(parse('HTTP/1.1 200 OK\r\n\r\n').framing).toBe(BODY_UNTIL_CLOSE);
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', true).framing).toBe(BODY_NONE);
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n').framing).toBe(BODY_NONE);
    expect(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n').framing).toBe(BODY_NONE);
    expect(parse('HTTP/1.1 100 Continue\r\n\r\n').status).toBe(100);
    const h = parse('HTTP/1.0 200\r\nConnection: keep-alive\r\n\r\n');
    expect([h.minor, h.reason, h.keepAlive]).toEqual([0, '', true]);
    expect(parse('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n').keepAlive).toBe(false);
  });

  it('refuses malformed responses as 502', () => {
    for (const bad of [
      'garbage\r\n\r\n',
      'HTTP/1.1 20 OK\r\n\r\n',
      'HTTP/2 200 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n',
      'HTTP/1.1 200 O\x00K\r\n\r\n',
    ]) {
      let error: unknown;
      try {
        parseResponseHead(Buffer.from(bad, 'latin1'), 0, false, new ResponseHead());
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).status).toBe(502);
    }
  });
});
