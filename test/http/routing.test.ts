import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type PickContext, registerScheduler, type Schedulable } from '@lvs7/core';
import type { HttpRequestEvent } from '@lvs7/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePool, Origin, type ProxyFixture, raw, request, startProxy } from './helpers.js';

function echo(name: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-internal', 'secret');
      res.end(JSON.stringify({ server: name, method: req.method, url: req.url, headers: req.headers }));
    });
  };
}

const keys: (string | undefined)[] = [];
registerScheduler({
  name: 'test-capture-key',
  aliases: [],
  hashing: true,
  description: 'records ctx.key, then picks the first server not excluded',
  factory: () => ({
    name: 'test-capture-key',
    pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
      keys.push(ctx.key);
      return servers.find((s) => !ctx.exclude?.has(s));
    },
  }),
});

const POOLS = [
  'exact',
  'wild',
  'list',
  'api',
  'video',
  'del',
  'tenant',
  'debug',
  'present',
  'query',
  'fallback',
  'keyed',
];

describe('routing', () => {
  const origins = new Map<string, Origin>();
  let proxy: ProxyFixture;
  let trusting: ProxyFixture;
  let rfc: ProxyFixture;

  beforeAll(async () => {
    for (const name of POOLS) origins.set(name, await new Origin(name, echo(name)).start());
    const pools = POOLS.map((name) =>
      makePool(name, [origins.get(name)!], {}, name === 'keyed' ? 'test-capture-key' : 'rr'),
    );
    const keyRoute = (k: string) => ({ pathPrefix: `/key/${k.replace(/:.*/, '')}`, pool: 'keyed', key: k });
    proxy = await startProxy(
      {
        routes: [
          ...['url', 'host', 'path', 'source', 'header:X-User', 'cookie:sid', 'query:u'].map(keyRoute),
          { host: 'www.example.org', pool: 'exact' },
          { host: '*.example.com', pool: 'wild' },
          { host: ['a.test', 'B.Test'], pool: 'list' },
          {
            name: 'api',
            pathPrefix: '/api',
            pool: 'api',
            rewrite: { stripPrefix: '/api', addPrefix: '/v2', host: 'backend.local' },
            requestHeaders: { set: { 'X-Added': 'yes' }, remove: ['X-Secret'] },
            responseHeaders: { set: { 'X-Resp': 'yes' }, remove: ['X-Internal'] },
          },
          { path: '^/video/.*\\.mp4$', pool: 'video' },
          { methods: ['DELETE'], pool: 'del' },
          { headers: { 'X-Tenant': 'acme' }, pool: 'tenant' },
          { headers: { 'X-Debug': { regex: '^on$' } }, pool: 'debug' },
          { headers: { 'X-Present': { present: true } }, pool: 'present' },
          { query: { v: '2' }, pool: 'query' },
        ],
        default: { pool: 'fallback' },
      },
      pools,
    );
    trusting = await startProxy({ trustedProxies: ['127.0.0.1/32'], routes: [{ pool: 'fallback' }] }, [
      makePool('fallback', [origins.get('fallback')!]),
    ]);
    rfc = await startProxy({ forwarded: 'rfc7239', routes: [{ pool: 'fallback' }] }, [
      makePool('fallback', [origins.get('fallback')!]),
    ]);
  });

  afterAll(async () => {
    await proxy.close();
    await trusting.close();
    await rfc.close();
    for (const o of origins.values()) await o.stop();
  });

  const get = async (path: string, headers: Record<string, string> = {}, method = 'GET') => {
    const res = await request(proxy.url + path, { method, headers });
    return {
      ...res,
      json: JSON.parse(res.body) as { server: string; url: string; headers: Record<string, string> },
    };
  };

  it('matches hosts exactly, by wildcard and from a list (case-insensitive, port ignored)', async () => {
    expect((await get('/', { host: 'www.example.org' })).json.server).toBe('exact');
    expect((await get('/', { host: 'WWW.example.org:8080' })).json.server).toBe('exact');
    expect((await get('/', { host: 'x.y.example.com' })).json.server).toBe('wild');
    expect((await get('/', { host: 'example.com' })).json.server).toBe('fallback');
    expect((await get('/', { host: 'b.test' })).json.server).toBe('list');
  });

  it('matches path prefix, path regex, methods, headers and query in order', async () => {
    expect((await get('/api/users')).json.server).toBe('api');
    expect((await get('/video/a/b.mp4')).json.server).toBe('video');
    expect((await get('/video/a/b.mp4x')).json.server).toBe('fallback');
    expect((await get('/x', {}, 'DELETE')).json.server).toBe('del');
    expect((await get('/x', { 'x-tenant': 'acme' })).json.server).toBe('tenant');
    expect((await get('/x', { 'x-tenant': 'other' })).json.server).toBe('fallback');
    expect((await get('/x', { 'x-debug': 'on' })).json.server).toBe('debug');
    expect((await get('/x', { 'x-debug': 'off' })).json.server).toBe('fallback');
    expect((await get('/x', { 'x-present': '' })).json.server).toBe('present');
    expect((await get('/x?a=1&v=2')).json.server).toBe('query');
    expect((await get('/x?v=%32')).json.server).toBe('query');
    expect((await get('/x?v=3')).json.server).toBe('fallback');
  });

  it('rewrites path and host and edits headers both ways', async () => {
    const res = await get('/api/users?id=7', { 'x-secret': 's3', host: 'front.example' });
    expect(res.json.url).toBe('/v2/users?id=7');
    expect(res.json.headers.host).toBe('backend.local');
    expect(res.json.headers['x-added']).toBe('yes');
    expect(res.json.headers['x-secret']).toBeUndefined();
    expect(res.json.headers['x-forwarded-host']).toBe('front.example');
    expect(res.headers['x-resp']).toBe('yes');
    expect(res.headers['x-internal']).toBeUndefined();
    expect((await get('/api')).json.url).toBe('/v2/');
  });

  it('answers the default status when no route matches and there is no default pool', async () => {
    const p = await startProxy(
      { routes: [{ host: 'only.example', pool: 'fallback' }], default: { status: 421 } },
      [makePool('fallback', [origins.get('fallback')!])],
    );
    try {
      const res = await request(p.url + '/');
      expect(res.status).toBe(421);
      expect(p.listener.statsSnapshot().listener.responses['4xx']).toBe(1);
    } finally {
      await p.close();
    }
  });

  it('extracts every kind of key for hashing schedulers', async () => {
    const last = async (path: string, headers: Record<string, string> = {}) => {
      await get(path, headers);
      return keys.at(-1);
    };
    expect(await last('/key/url/a?b=1')).toBe('/key/url/a?b=1');
    expect(await last('/key/host', { host: 'Key.Example:81' })).toBe('key.example');
    expect(await last('/key/path/p?q=1')).toBe('/key/path/p');
    expect(await last('/key/source')).toBe('127.0.0.1');
    expect(await last('/key/header', { 'x-user': 'alice' })).toBe('alice');
    expect(await last('/key/header')).toBeUndefined();
    expect(await last('/key/cookie', { cookie: 'a=1; sid=xyz; b=2' })).toBe('xyz');
    expect(await last('/key/query?u=bob%20b&x=1')).toBe('bob b');
  });

  it('replaces X-Forwarded-* from untrusted clients and appends for trusted proxies', async () => {
    const forged = { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil' };
    const untrusted = (await get('/x', forged)).json.headers;
    expect(untrusted['x-forwarded-for']).toBe('127.0.0.1');
    expect(untrusted['x-forwarded-proto']).toBe('http');
    expect(untrusted['x-forwarded-host']).toBe(`127.0.0.1:${proxy.port}`);
    expect(untrusted.via).toBe('1.1 lvs7');
    const trusted = JSON.parse((await request(trusting.url + '/x', { headers: forged })).body).headers;
    expect(trusted['x-forwarded-for']).toBe('6.6.6.6, 127.0.0.1');
    expect(trusted['x-forwarded-proto']).toBe('https');
    expect(trusted['x-forwarded-host']).toBe('evil');
  });

  it('writes RFC 7239 Forwarded when asked', async () => {
    const res = await request(rfc.url + '/x', { headers: { forwarded: 'for=6.6.6.6', host: 'h.example' } });
    const headers = JSON.parse(res.body).headers;
    expect(headers.forwarded).toBe('for=127.0.0.1;proto=http;host=h.example');
    expect(headers['x-forwarded-for']).toBeUndefined();
  });

  it('drops hop-by-hop fields, including those named in Connection, and adds Via both ways', async () => {
    const text = await raw(
      proxy.port,
      'GET /hop HTTP/1.1\r\nHost: h\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\n' +
        'Proxy-Authorization: Basic x\r\nProxy: http://evil\r\nTE: trailers\r\nX-Kept: 1\r\n\r\n',
    );
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
    for (const h of ['x-hop', 'keep-alive', 'proxy-authorization', 'proxy', 'connection']) {
      expect(body.headers[h]).toBeUndefined();
    }
    expect(body.headers.te).toBe('trailers');
    expect(body.headers['x-kept']).toBe('1');
    expect(text).toMatch(/\r\nVia: 1\.1 lvs7\r\n/);
    expect(text).toMatch(/\r\nConnection: close\r\n/);
  });

  it('publishes one lvs7:http:request event per exchange to subscribers', async () => {
    const events: HttpRequestEvent[] = [];
    const onEvent = (e: unknown) => events.push(e as HttpRequestEvent);
    diagnosticsChannel.subscribe('lvs7:http:request', onEvent);
    try {
      await get('/api/evt');
    } finally {
      diagnosticsChannel.unsubscribe('lvs7:http:request', onEvent);
    }
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      listener: 'test',
      route: 'api',
      pool: 'api',
      server: 'api',
      method: 'GET',
      status: 200,
      retries: 0,
      error: null,
    });
    expect(events[0]!.durationMs).toBeGreaterThan(0);
  });

  it('counts requests per listener, route, pool and server', () => {
    const stats = proxy.listener.statsSnapshot();
    expect(stats.listener.requests).toBeGreaterThan(20);
    expect(stats.routes.api!.requests).toBeGreaterThanOrEqual(3);
    expect(stats.pools.api!.responses['2xx']).toBeGreaterThanOrEqual(3);
    expect(stats.servers['api/api']!.requests).toBeGreaterThanOrEqual(3);
    expect(stats.listener.latency.count).toBe(stats.listener.requests);
    expect(stats.listener.bytesOut).toBeGreaterThan(0);
  });
});
