import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { curl, makePool, Origin, type ProxyFixture, raw, startProxy, statuses } from './helpers.js';

const DATA = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');

function handler(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  if (url === '/echo') {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('x-trailer-seen', JSON.stringify(req.trailers));
      res.end(Buffer.concat(chunks));
    });
    return;
  }
  req.resume();
  if (url === '/head') {
    res.setHeader('content-length', '100');
    res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(100));
  } else if (url === '/204') {
    res.statusCode = 204;
    res.end();
  } else if (url === '/304') {
    res.statusCode = 304;
    res.setHeader('etag', '"v1"');
    res.end();
  } else if (url === '/range') {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (m === null) return void res.end(DATA);
    const [start, end] = [Number(m[1]), Number(m[2])];
    res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${DATA.length}`, 'accept-ranges': 'bytes' });
    res.end(DATA.subarray(start, end + 1));
  } else if (url === '/chunked') {
    res.setHeader('trailer', 'x-resp-trailer');
    res.write('hello ');
    res.write('world');
    res.addTrailers({ 'x-resp-trailer': 'done' });
    res.end();
  } else res.end(`ok ${url}`);
}

describe('HTTP/1.1 semantics through the proxy', () => {
  let origin: Origin;
  let wss: WebSocketServer;
  let proxy: ProxyFixture;

  beforeAll(async () => {
    origin = await new Origin('s0', handler).start();
    origin.server.on('checkContinue', (req, res) => {
      if (req.headers['x-reject'] !== undefined) {
        res.writeHead(417);
        res.end();
        return;
      }
      res.writeContinue();
      origin.server.emit('request', req, res);
    });
    wss = new WebSocketServer({ server: origin.server });
    wss.on('connection', (ws) => ws.on('message', (m, binary) => ws.send(m, { binary })));
    proxy = await startProxy({ routes: [{ pool: 'web' }] }, [makePool('web', [origin])]);
  });
  afterAll(async () => {
    await proxy.close();
    wss.close();
    await origin.stop();
  });

  it('relays 100-continue and then streams the body', async () => {
    const socket = connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      'POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n',
    );
    const [first] = (await once(socket, 'data')) as [Buffer];
    expect(first.toString()).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    socket.write('hello');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    await once(socket, 'close');
    const text = Buffer.concat(chunks).toString();
    expect(statuses(text)).toEqual([200]);
    expect(text.endsWith('\r\n\r\nhello')).toBe(true);
  });

  it('passes a final answer to Expect: 100-continue without waiting for the body', async () => {
    const text = await raw(
      proxy.port,
      'POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nX-Reject: 1\r\nContent-Length: 5\r\n\r\n',
    );
    expect(statuses(text)).toEqual([417]);
    expect(text).toMatch(/\r\nConnection: close\r\n/);
  });

  it('with curl too', async () => {
    const res = await curl([
      '-H',
      'Expect: 100-continue',
      '--data-binary',
      'x'.repeat(2000),
      `${proxy.url}/echo`,
    ]);
    expect(res.stdout).toBe('x'.repeat(2000));
  });

  it('forwards request trailers and response trailers untouched', async () => {
    const text = await raw(
      proxy.port,
      'POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTrailer: x-checksum\r\n\r\n' +
        '5;ext=1\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n' +
        'GET /chunked HTTP/1.1\r\nHost: h\r\nTE: trailers\r\nConnection: close\r\n\r\n',
    );
    expect(statuses(text)).toEqual([200, 200]);
    expect(text).toContain('x-trailer-seen: {"x-checksum":"abc"}');
    expect(text).toContain('hello');
    expect(text).toMatch(/Transfer-Encoding: chunked\r\n/);
    expect(text).toMatch(/\r\n0\r\nx-resp-trailer: done\r\n\r\n$/);
  });

  it('decodes chunked responses for HTTP/1.0 clients and closes', async () => {
    const text = await raw(proxy.port, 'GET /chunked HTTP/1.0\r\n\r\n');
    expect(statuses(text)).toEqual([200]);
    expect(text).not.toMatch(/Transfer-Encoding/i);
    expect(text.endsWith('\r\n\r\nhello world')).toBe(true);
  });

  it('HEAD, 204 and 304 have no body and keep the connection usable', async () => {
    const text = await raw(proxy.port, [
      'HEAD /head HTTP/1.1\r\nHost: h\r\n\r\n',
      'GET /204 HTTP/1.1\r\nHost: h\r\n\r\n',
      'GET /304 HTTP/1.1\r\nHost: h\r\nIf-None-Match: "v1"\r\n\r\n',
      'GET /head HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
    ]);
    expect(statuses(text)).toEqual([200, 204, 304, 200]);
    const parts = text.split(/(?=HTTP\/1\.1 )/);
    expect(parts[0]).toMatch(/Content-Length: 100\r\n/);
    expect(parts[0]!.endsWith('\r\n\r\n')).toBe(true);
    expect(parts[1]!.endsWith('\r\n\r\n')).toBe(true);
    expect(parts[2]).toMatch(/etag: "v1"\r\n/i);
    expect(parts[2]!.endsWith('\r\n\r\n')).toBe(true);
    expect(parts[3]!.endsWith('x'.repeat(100))).toBe(true);
  });

  it('passes Range requests and 206 through', async () => {
    const res = await curl(['-i', '-r', '3-9', `${proxy.url}/range`]);
    expect(res.stdout).toMatch(/^HTTP\/1\.1 206/);
    expect(res.stdout).toMatch(/content-range: bytes 3-9\/36/i);
    expect(res.stdout.endsWith('3456789')).toBe(true);
  });

  it('answers pipelined requests in order', async () => {
    const text = await raw(
      proxy.port,
      'GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
    );
    expect(statuses(text)).toEqual([200, 200, 200]);
    expect([...text.matchAll(/ok (\/\w)/g)].map((m) => m[1])).toEqual(['/a', '/b', '/c']);
  });

  it('answers a request sent just before the client half-closed', async () => {
    const socket = connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.end('GET /half HTTP/1.1\r\nHost: h\r\n\r\n');
    await once(socket, 'close');
    const text = Buffer.concat(chunks).toString();
    expect(statuses(text)).toEqual([200]);
    expect(text.endsWith('ok /half')).toBe(true);
    expect(text).toMatch(/Connection: close\r\n/);
    await expect.poll(() => proxy.listener.statsSnapshot().listener.connections).toBe(0);
  });

  it('tunnels WebSocket upgrades (text and binary echo)', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`);
    await once(ws, 'open');
    ws.send('ping');
    const [text] = await once(ws, 'message');
    expect(text.toString()).toBe('ping');
    const big = Buffer.alloc(300_000, 7);
    ws.send(big);
    const [bin] = await once(ws, 'message');
    expect(Buffer.compare(bin as Buffer, big)).toBe(0);
    ws.close();
    await once(ws, 'close');
    await expect.poll(() => proxy.listener.statsSnapshot().listener.responses['1xx']).toBe(1);
  });
});
