import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makePool,
  type Origin,
  type ProxyFixture,
  raw,
  startOrigins,
  startProxy,
  statuses,
} from './helpers.js';

/** Every case must get exactly this status, close the connection and never reach the server. */
const CASES: [string, string, number][] = [
  [
    'Content-Length and Transfer-Encoding together',
    'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    400,
  ],
  [
    'Transfer-Encoding then Content-Length',
    'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n',
    400,
  ],
  [
    'differing duplicate Content-Length',
    'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde',
    400,
  ],
  ['differing Content-Length list', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4, 5\r\n\r\nabcde', 400],
  ['signed Content-Length', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +4\r\n\r\nabcd', 400],
  ['NUL in a header value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n', 400],
  ['bare CR in a header value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n', 400],
  ['bare LF in a header value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\nX-B: b\r\n\r\n', 400],
  [
    'space before the colon',
    'GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n',
    400,
  ],
  ['obs-fold', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n', 400],
  ['invalid byte in a header name', 'GET / HTTP/1.1\r\nHost: h\r\nX@A: a\r\n\r\n', 400],
  ['malformed request line (two spaces)', 'GET  / HTTP/1.1\r\nHost: h\r\n\r\n', 400],
  ['malformed request line (no version)', 'GET /\r\nHost: h\r\n\r\n', 400],
  ['malformed request line (lower-case version)', 'GET / http/1.1\r\nHost: h\r\n\r\n', 400],
  ['control byte in the target', 'GET /a\x01b HTTP/1.1\r\nHost: h\r\n\r\n', 400],
  ['unsupported version', 'GET / HTTP/2.0\r\nHost: h\r\n\r\n', 505],
  [
    'Transfer-Encoding not ending in chunked',
    'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\nxxxx',
    400,
  ],
  [
    'chunked not final',
    'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n',
    400,
  ],
  [
    'unknown coding before chunked',
    'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
    501,
  ],
  ['Transfer-Encoding in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
  ['no Host in HTTP/1.1', 'GET / HTTP/1.1\r\nX-A: a\r\n\r\n', 400],
  ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
  ['invalid Host', 'GET / HTTP/1.1\r\nHost: a b@c\r\n\r\n', 400],
  ['CONNECT', 'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n', 405],
  [
    'invalid chunk size',
    'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n',
    400,
  ],
  [
    'chunk size with junk',
    'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2 x\r\nab\r\n0\r\n\r\n',
    400,
  ],
  [
    'chunk data longer than its size',
    'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n',
    400,
  ],
  [
    'bare LF after chunk size',
    'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n',
    400,
  ],
  [
    'huge chunk size',
    'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n',
    400,
  ],
];

describe('requests that could smuggle or are malformed', () => {
  let origins: Origin[];
  let proxy: ProxyFixture;

  beforeAll(async () => {
    origins = await startOrigins(1);
    proxy = await startProxy(
      { routes: [{ pool: 'web' }], limits: { maxHeaderSize: 1024, maxHeaders: 10, maxRequestLine: 256 } },
      [makePool('web', origins)],
    );
  });
  afterAll(async () => {
    await proxy.close();
    for (const o of origins) await o.stop();
  });

  it.each(CASES)('%s → right status, never forwarded', async (_name, data, status) => {
    const before = origins[0]!.requests;
    const text = await raw(proxy.port, data);
    expect(statuses(text)).toEqual([status]);
    expect(text).toMatch(/\r\nConnection: close\r\n/);
    expect(text).not.toMatch(/at .*\.ts|Error/);
    expect(origins[0]!.requests).toBe(before);
  });

  it('oversized header section → 431', async () => {
    const text = await raw(proxy.port, `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`);
    expect(statuses(text)).toEqual([431]);
    expect(origins[0]!.requests).toBe(0);
  });

  it('too many header fields → 431', async () => {
    const fields = Array.from({ length: 12 }, (_, i) => `X-${i}: ${i}\r\n`).join('');
    const text = await raw(proxy.port, `GET / HTTP/1.1\r\nHost: h\r\n${fields}\r\n`);
    expect(statuses(text)).toEqual([431]);
  });

  it('oversized request line → 414, even before the head is complete', async () => {
    const text = await raw(proxy.port, `GET /${'a'.repeat(400)}`);
    expect(statuses(text)).toEqual([414]);
    expect(origins[0]!.requests).toBe(0);
  });

  it('a smuggled second request in a bad message is never forwarded', async () => {
    const text = await raw(
      proxy.port,
      'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: h\r\n\r\n',
    );
    expect(statuses(text)).toEqual([400]);
    expect(origins[0]!.requests).toBe(0);
  });

  it('still forwards well-formed requests (equal duplicate Content-Length collapses to one)', async () => {
    const text = await raw(
      proxy.port,
      'POST /ok HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc',
    );
    expect(statuses(text)).toEqual([200]);
    expect(origins[0]!.requests).toBe(1);
    expect(
      origins[0]!.seen.at(-1)!.rawHeaders.filter((h) => h.toLowerCase() === 'content-length'),
    ).toHaveLength(1);
  });

  it('counts rejected requests by error code', () => {
    const errors = proxy.listener.statsSnapshot().listener.errors;
    expect(errors.LVS7_HTTP_CONTENT_LENGTH_AND_TRANSFER_ENCODING).toBeGreaterThanOrEqual(2);
    expect(errors.LVS7_HTTP_HEADERS_TOO_LARGE).toBeGreaterThanOrEqual(2);
  });
});
