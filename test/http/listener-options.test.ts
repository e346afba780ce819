import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { HttpListener } from '@lvs7/http';
import { writeSelfSignedCertificate } from '@lvs7/testkit';
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePool, Origin, raw, statuses } from './helpers.js';

const pino = createRequire(new URL('../../packages/http/package.json', import.meta.url))('pino') as (
  options: object,
  stream: Writable,
) => Logger;

function echo(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on('end', () => res.end(JSON.stringify(req.headers)));
}

describe('listener options: acceptProxy (PROXY protocol) and accessLog', () => {
  let origin: Origin;
  let dir: string;
  const lines: Record<string, unknown>[] = [];
  const listeners: HttpListener[] = [];

  const start = async (extra: object): Promise<number> => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
        cb();
      },
    });
    const listener = new HttpListener({
      options: { name: 'opts', listen: '127.0.0.1:0', routes: [{ pool: 'web' }], ...extra },
      pools: new Map([['web', makePool('web', [origin])]]),
      logger: pino({ level: 'info' }, sink),
    });
    await listener.listen();
    listeners.push(listener);
    return listener.address()!.port;
  };

  beforeAll(async () => {
    origin = await new Origin('s0', echo).start();
    dir = mkdtempSync(join(tmpdir(), 'lvs7-proxyproto-'));
    writeSelfSignedCertificate(dir, 'p', { commonName: 'p.test' });
  });
  afterAll(async () => {
    for (const l of listeners) await l.close({ drainTimeoutMs: 100 });
    await origin.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const body = (text: string) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));

  it('takes the client address from a PROXY v1 header, then speaks HTTP', async () => {
    const port = await start({ acceptProxy: true });
    const text = await raw(
      port,
      'PROXY TCP4 203.0.113.7 127.0.0.1 40000 80\r\nGET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
    );
    expect(statuses(text)).toEqual([200]);
    expect(body(text)['x-forwarded-for']).toBe('203.0.113.7');
  });

  it('also from a v2 header, split across writes', async () => {
    const port = await start({ acceptProxy: true });
    const header = Buffer.from([
      0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0, 12, 198, 51, 100,
      9, 127, 0, 0, 1, 0x9c, 0x40, 0, 80,
    ]);
    const text = await raw(port, [
      header.subarray(0, 5),
      header.subarray(5),
      'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
    ]);
    expect(body(text)['x-forwarded-for']).toBe('198.51.100.9');
  });

  it('closes connections without a valid header, before any request reaches a server', async () => {
    const port = await start({ acceptProxy: true });
    const before = origin.requests;
    expect(await raw(port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n')).toBe('');
    expect(origin.requests).toBe(before);
  });

  it('reads the PROXY header before the TLS handshake', async () => {
    const port = await start({
      acceptProxy: true,
      tls: { cert: join(dir, 'p.crt'), key: join(dir, 'p.key') },
    });
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('PROXY TCP6 2001:db8::5 ::1 40000 443\r\n');
    const secure = tlsConnect({ socket, rejectUnauthorized: false, servername: 'p.test' });
    await once(secure, 'secureConnect');
    secure.write('GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    const chunks: Buffer[] = [];
    secure.on('data', (c) => chunks.push(c));
    await once(secure, 'end');
    const headers = body(Buffer.concat(chunks).toString());
    expect(headers['x-forwarded-for']).toBe('2001:db8::5');
    expect(headers['x-forwarded-proto']).toBe('https');
  });

  it('logs every exchange at info with accessLog: full (and nothing when off)', async () => {
    const off = await start({});
    await raw(off, 'GET /quiet HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    const port = await start({ accessLog: 'full' });
    await raw(port, 'GET /logged?x=1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    const logged = lines.filter((l) => l.msg === 'http request');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: 30,
      target: '/logged?x=1',
      status: 200,
      client: '127.0.0.1',
      pool: 'web',
    });
  });
});
