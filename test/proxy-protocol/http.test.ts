/**
 * PROXY protocol around the HTTP listener, against real peers: HAProxy
 * (send-proxy / send-proxy-v2) in front of an lvs7 listener with
 * acceptProxy, and nginx (`listen … proxy_protocol`) behind pools with
 * sendProxy v1 / v2. Clients connect from 127.0.0.5 and 127.0.0.6, so the
 * address each hop reports is observably the client's, not 127.0.0.1.
 */
import { createHealthProbe, Pool } from '@lvs7/core';
import { HttpListener } from '@lvs7/http';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, httpRequest, LineClient, type NginxInstance, startHaproxy, startNginx } from './peers.js';

let nginx: NginxInstance;
let haproxy: NginxInstance;
let listener: HttpListener;
let nginxPort: number;
let lvs7Port: number;
const haproxyPorts = { v1: 0, v2: 0 };
const clients: LineClient[] = [];

async function client(port: number, from: string): Promise<LineClient> {
  const c = await LineClient.connect(port, from);
  clients.push(c);
  return c;
}

/** nginx's view of a request: `addr=… port=… conn=… xff=…`. */
function seen(response: string): Record<string, string> {
  const line = /addr=.*$/m.exec(response)?.[0] ?? '';
  return Object.fromEntries(line.split(' ').map((kv) => kv.split('=') as [string, string]));
}

beforeAll(async () => {
  nginxPort = await freePort();
  nginx = await startNginx(
    `server {
    listen 127.0.0.1:${nginxPort} proxy_protocol;
    keepalive_requests 1000;
    location / {
      default_type text/plain;
      return 200 "addr=$proxy_protocol_addr port=$proxy_protocol_port conn=$connection xff=$http_x_forwarded_for\\n";
    }
  }`,
    nginxPort,
  );
  const server = { name: 'nginx', address: `127.0.0.1:${nginxPort}` };
  listener = new HttpListener({
    options: {
      name: 'web',
      listen: '127.0.0.1:0',
      acceptProxy: true,
      // HAProxy connects from 127.0.0.1; clients from elsewhere are direct.
      acceptProxyFrom: ['127.0.0.1/32'],
      routes: [
        { pathPrefix: '/v1', pool: 'nginx-v1' },
        { pathPrefix: '/v2', pool: 'nginx-v2' },
      ],
    },
    pools: new Map([
      ['nginx-v1', new Pool('nginx-v1', { scheduler: 'rr', servers: [server] })],
      ['nginx-v2', new Pool('nginx-v2', { scheduler: 'rr', servers: [server] })],
    ]),
    poolOptions: { 'nginx-v1': { sendProxy: 'v1' }, 'nginx-v2': { sendProxy: 'v2' } },
    logger: pino({ level: 'silent' }),
  });
  await listener.listen();
  lvs7Port = listener.address()!.port;
  haproxyPorts.v1 = await freePort();
  haproxyPorts.v2 = await freePort();
  haproxy = await startHaproxy(
    `global
  maxconn 200
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend via-v1
  bind 127.0.0.1:${haproxyPorts.v1}
  default_backend lvs7-v1
frontend via-v2
  bind 127.0.0.1:${haproxyPorts.v2}
  default_backend lvs7-v2
backend lvs7-v1
  server lvs7 127.0.0.1:${lvs7Port} send-proxy
backend lvs7-v2
  server lvs7 127.0.0.1:${lvs7Port} send-proxy-v2
`,
    haproxyPorts.v2,
  );
});

afterAll(async () => {
  for (const c of clients) c.close();
  await listener?.close({ drainTimeoutMs: 100 });
  await haproxy?.stop();
  await nginx?.stop();
});

describe('HAProxy send-proxy → lvs7 acceptProxy → sendProxy → nginx proxy_protocol', () => {
  for (const inbound of ['v1', 'v2'] as const) {
    for (const outbound of ['v1', 'v2'] as const) {
      it(`the client address survives both hops (HAProxy ${inbound}, lvs7 ${outbound})`, async () => {
        const c = await client(haproxyPorts[inbound], '127.0.0.5');
        const response = await httpRequest(c, `/${outbound}/`);
        expect(response).toMatch(/^HTTP\/1\.1 200 /);
        const view = seen(response);
        expect(view['addr']).toBe('127.0.0.5');
        // The port is the client's own source port, carried through HAProxy's header and ours.
        expect(Number(view['port'])).toBe(c.socket.localPort);
        expect(view['xff']).toBe('127.0.0.5');
      });
    }
  }
});

describe('acceptProxyFrom', () => {
  it('serves a client outside it directly, with its own address', async () => {
    const c = await client(lvs7Port, '127.0.0.6');
    const view = seen(await httpRequest(c, '/v2/'));
    expect(view['addr']).toBe('127.0.0.6');
    expect(view['xff']).toBe('127.0.0.6');
  });

  it('never believes a PROXY header from a client outside it: 400, nothing reaches nginx', async () => {
    const c = await client(lvs7Port, '127.0.0.6');
    c.write('PROXY TCP4 203.0.113.66 127.0.0.1 1234 80\r\nGET /v1/ HTTP/1.1\r\nHost: test\r\n\r\n');
    expect(await c.closedWith()).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('closes a connection from inside it that does not start with a header', async () => {
    const c = await client(lvs7Port, '127.0.0.1');
    c.write('GET /v1/ HTTP/1.1\r\nHost: test\r\n\r\n');
    expect(await c.closedWith()).toBe('');
  });
});

describe('keep-alive to a PROXY-speaking server', () => {
  it('reuses a server connection only for the client connection that opened it', async () => {
    const a = await client(haproxyPorts.v2, '127.0.0.5');
    const b = await client(haproxyPorts.v2, '127.0.0.6');
    const a1 = seen(await httpRequest(a, '/v1/a1'));
    const a2 = seen(await httpRequest(a, '/v1/a2'));
    const b1 = seen(await httpRequest(b, '/v1/b1'));
    const a3 = seen(await httpRequest(a, '/v1/a3'));
    const b2 = seen(await httpRequest(b, '/v1/b2'));
    expect([a1, a2, a3].map((v) => v['addr'])).toEqual(['127.0.0.5', '127.0.0.5', '127.0.0.5']);
    expect([b1, b2].map((v) => v['addr'])).toEqual(['127.0.0.6', '127.0.0.6']);
    // nginx's $connection: one server connection per client, each reused for its own client only.
    expect(a2['conn']).toBe(a1['conn']);
    expect(a3['conn']).toBe(a1['conn']);
    expect(b2['conn']).toBe(b1['conn']);
    expect(b1['conn']).not.toBe(a1['conn']);
    // A new connection of the same client address (another source port) gets a server connection of its own.
    const a4 = await client(haproxyPorts.v2, '127.0.0.5');
    const next = seen(await httpRequest(a4, '/v1/a4'));
    expect(next['addr']).toBe('127.0.0.5');
    expect(next['conn']).not.toBe(a1['conn']);
  });
});

describe('health checks of a sendProxy pool', () => {
  it('pass against nginx with a LOCAL header first, and fail without one', async () => {
    const target = { host: '127.0.0.1', port: nginxPort, name: 'nginx' };
    for (const version of ['v1', 'v2'] as const) {
      const probe = createHealthProbe('http', { sendProxy: version, path: '/health' });
      expect(await probe.check(target, AbortSignal.timeout(5000))).toBe('HTTP 200');
    }
    const bare = createHealthProbe('http', { path: '/health' });
    await expect(bare.check(target, AbortSignal.timeout(5000))).rejects.toThrow();
    expect(await nginx.errors()).toMatch(/broken header/);
  });
});
