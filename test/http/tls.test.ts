import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { writeSelfSignedCertificate } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePool, Origin, type ProxyFixture, startProxy } from './helpers.js';

function selfSigned(dir: string, name: string): { cert: string; key: string } {
  return writeSelfSignedCertificate(dir, name, {
    commonName: name,
    dnsNames: [name, `*.${name}`],
    ipAddresses: [],
  });
}

function echo(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        url: req.url,
        method: req.method,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      }),
    );
  });
}

describe('TLS listener: SNI certificates and HTTP/2 from clients', () => {
  let dir: string;
  let origin: Origin;
  let proxy: ProxyFixture;
  let a: { cert: string; key: string };
  let b: { cert: string; key: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lvs7-tls-'));
    a = selfSigned(dir, 'a.test');
    b = selfSigned(dir, 'b.test');
    origin = await new Origin('s0', echo).start();
    proxy = await startProxy(
      {
        tls: {
          cert: a.cert,
          key: a.key,
          certificates: [{ cert: readFileSync(b.cert, 'utf8'), key: b.key }],
          http2: true,
        },
        routes: [{ pool: 'web' }],
      },
      [makePool('web', [origin])],
    );
  });
  afterAll(async () => {
    await proxy.close();
    await origin.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const peerCN = async (servername: string) => {
    const socket = tlsConnect({
      port: proxy.port,
      host: '127.0.0.1',
      servername,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    await once(socket, 'secureConnect');
    const cn = socket.getPeerCertificate().subject.CN;
    socket.destroy();
    return cn;
  };

  it('chooses the certificate by SNI (exact, wildcard, default)', async () => {
    expect(await peerCN('b.test')).toBe('b.test');
    expect(await peerCN('x.b.test')).toBe('b.test');
    expect(await peerCN('a.test')).toBe('a.test');
    expect(await peerCN('other.example')).toBe('a.test');
  });

  it('proxies HTTPS/1.1 and says so in X-Forwarded-Proto', async () => {
    const socket = tlsConnect({
      port: proxy.port,
      host: '127.0.0.1',
      servername: 'a.test',
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    await once(socket, 'secureConnect');
    socket.write('GET /tls HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    await once(socket, 'end');
    const text = Buffer.concat(chunks).toString();
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
    expect(body.headers['x-forwarded-proto']).toBe('https');
    expect(body.url).toBe('/tls');
  });

  it('accepts HTTP/2 and speaks HTTP/1.1 to the server (GET and streamed POST)', async () => {
    const session = h2connect(`https://127.0.0.1:${proxy.port}`, {
      rejectUnauthorized: false,
      servername: 'a.test',
    });
    const ask = async (method: string, path: string, body?: string) => {
      const stream = session.request(
        { ':method': method, ':path': path, cookie: ['a=1', 'b=2'] },
        { endStream: body === undefined },
      );
      if (body !== undefined) {
        stream.write(body.slice(0, 3));
        stream.end(body.slice(3));
      }
      const [headers] = (await once(stream, 'response')) as [Record<string, string>];
      const chunks: Buffer[] = [];
      stream.on('data', (c) => chunks.push(c));
      await once(stream, 'end');
      return {
        status: Number(headers[':status']),
        headers,
        body: JSON.parse(Buffer.concat(chunks).toString()),
      };
    };
    const get = await ask('GET', '/h2?x=1');
    expect(get.status).toBe(200);
    expect(get.body.url).toBe('/h2?x=1');
    expect(get.body.headers.cookie).toBe('a=1; b=2');
    expect(get.body.headers['x-forwarded-proto']).toBe('https');
    expect(get.headers['x-served-by']).toBe('s0');
    const post = await ask('POST', '/up', 'hello h2');
    expect(post.body.method).toBe('POST');
    expect(post.body.body).toBe('hello h2');
    expect(post.body.headers['transfer-encoding']).toBe('chunked');
    session.close();
  });
});
