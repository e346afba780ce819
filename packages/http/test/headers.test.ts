import { describe, expect, it } from 'vitest';
import { buildRequestHead, buildResponseHead, compileHeaderRewrite, isHopByHop } from '../src/headers.js';
import { parseRequestHead, RequestHead } from '../src/http1/request-head.js';
import { parseResponseHead, ResponseHead } from '../src/http1/response-head.js';

const LIMITS = { maxHeaderSize: 8192, maxHeaders: 100, maxRequestLine: 8192 };
const req = (text: string) => {
  const h = new RequestHead();
  parseRequestHead(Buffer.from(text), 0, LIMITS, h);
  return h;
};
const res = (text: string) => {
  const h = new ResponseHead();
  parseResponseHead(Buffer.from(text), 0, false, h);
  return h;
};
const parts = {
  target: '/t',
  host: 'h',
  rewrite: null,
  dropForwarded: 1 as const,
  extra: 'Via: 1.1 lvs7\r\n',
  upgrade: false,
};

describe('hop-by-hop fields', () => {
  it('knows the RFC 9110 §7.6.1 list, Proxy-* and framing fields', () => {
    for (const f of [
      'connection',
      'keep-alive',
      'te',
      'trailer',
      'transfer-encoding',
      'upgrade',
      'proxy-connection',
      'proxy-authorization',
      'proxy',
      'content-length',
    ]) {
      expect(isHopByHop(f), f).toBe(true);
    }
    for (const f of ['host', 'cookie', 'x-forwarded-for', 'proxyish', 'content-type'])
      expect(isHopByHop(f), f).toBe(false);
  });

  it('drops them from requests, plus what Connection names, but never protected fields', () => {
    const head = buildRequestHead(
      req(
        'POST /x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Drop, Host, X-Forwarded-For\r\nX-Drop: 1\r\nKeep-Alive: 5\r\n' +
          'Proxy-Connection: x\r\nTE: trailers, gzip\r\nTrailer: x\r\nX-Forwarded-For: 6.6.6.6\r\nContent-Length: 003\r\nX-Keep: k\r\n\r\n',
      ),
      parts,
    );
    expect(head).toBe(
      'POST /t HTTP/1.1\r\nHost: h\r\nX-Keep: k\r\nVia: 1.1 lvs7\r\nTE: trailers\r\nContent-Length: 3\r\n\r\n',
    );
  });

  it('regenerates chunked framing and upgrade fields', () => {
    const chunked = buildRequestHead(
      req('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n'),
      parts,
    );
    expect(chunked).toContain('\r\nTransfer-Encoding: chunked\r\n\r\n');
    const ws = buildRequestHead(
      req('GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'),
      {
        ...parts,
        upgrade: true,
      },
    );
    expect(ws).toContain('\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n');
  });

  it('applies set/remove rewrites both ways', () => {
    const rewrite = compileHeaderRewrite({ set: { 'X-Env': 'prod' }, remove: ['x-secret'] }, 'test')!;
    const out = buildRequestHead(req('GET / HTTP/1.1\r\nHost: a\r\nX-Env: dev\r\nX-Secret: s\r\n\r\n'), {
      ...parts,
      rewrite,
    });
    expect(out).toBe('GET /t HTTP/1.1\r\nHost: h\r\nX-Env: prod\r\nVia: 1.1 lvs7\r\n\r\n');
    const response = buildResponseHead(
      res(
        'HTTP/1.1 200 OK\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\nX-Secret: s\r\nServer: x\r\nContent-Length: 1\r\n\r\n',
      ),
      rewrite,
      'Content-Length: 1\r\n\r\n',
    );
    expect(response).toBe('HTTP/1.1 200 OK\r\nServer: x\r\nX-Env: prod\r\nContent-Length: 1\r\n\r\n');
  });
});
