import { describe, expect, it } from 'vitest';
import { InvalidHttpOptionError } from '../src/errors.js';
import { parseRequestHead, RequestHead } from '../src/http1/request-head.js';
import type { HttpListenerOptions, RouteOptions } from '../src/options.js';
import { Router } from '../src/router.js';

function req(text: string): RequestHead {
  const head = new RequestHead();
  parseRequestHead(
    Buffer.from(text),
    0,
    { maxHeaderSize: 8192, maxHeaders: 100, maxRequestLine: 8192 },
    head,
  );
  return head;
}
const get = (path: string, headers = 'Host: www.example.org\r\n', method = 'GET') =>
  req(`${method} ${path} HTTP/1.1\r\n${headers}\r\n`);

const POOLS = new Set(['a', 'b', 'c']);
const router = (routes: RouteOptions[], extra: Partial<HttpListenerOptions> = {}) =>
  new Router({ name: 'l', listen: '127.0.0.1:0', routes, ...extra }, POOLS);

describe('Router', () => {
  it('tries routes in order, first match wins, then the default', () => {
    const r = router(
      [
        { name: 'api', pathPrefix: '/api', pool: 'a' },
        { name: 'all-api-v2', pathPrefix: '/api/v2', pool: 'b' },
        { name: 'img', path: '\\.(png|jpg)$', methods: ['get', 'HEAD'], pool: 'c' },
      ],
      { default: { pool: 'b' } },
    );
    expect(r.match(get('/api/v2/x'))!.name).toBe('api');
    expect(r.match(get('/x/y.png'))!.name).toBe('img');
    expect(r.match(get('/x/y.png', 'Host: h\r\nContent-Length: 0\r\n', 'POST'))!.name).toBe('default');
    expect(r.match(get('/other'))!.pool).toBe('b');
  });

  it('returns null with the default status when nothing matches and no default pool', () => {
    const r = router([{ host: 'a.example', pool: 'a' }], { default: { status: 410 } });
    expect(r.match(get('/'))).toBeNull();
    expect(r.defaultStatus).toBe(410);
    expect(router([{ host: 'a.example', pool: 'a' }]).defaultStatus).toBe(404);
  });

  it('matches hosts: exact, wildcard (not the apex), list, case and port insensitive', () => {
    const r = router([
      { name: 'exact', host: 'WWW.example.org', pool: 'a' },
      { name: 'wild', host: '*.example.com', pool: 'a' },
      { name: 'list', host: ['x.test', 'y.test'], pool: 'a' },
    ]);
    const name = (host: string) => r.match(get('/', `Host: ${host}\r\n`))?.name ?? null;
    expect(name('www.example.org:8443')).toBe('exact');
    expect(name('a.b.example.com')).toBe('wild');
    expect(name('example.com')).toBeNull();
    expect(name('Y.TEST')).toBe('list');
    expect(name('[::1]:80')).toBeNull();
  });

  it('matches headers (exact, regex, presence and absence) and query parameters', () => {
    const r = router([
      { name: 'exact', headers: { 'X-Tenant': 'acme' }, pool: 'a' },
      { name: 'regex', headers: { 'x-debug': { regex: '^(on|1)$' } }, pool: 'a' },
      {
        name: 'absent',
        headers: { 'X-Flag': { present: false } },
        query: { mode: { present: true } },
        pool: 'a',
      },
      { name: 'query', query: { v: '2', lang: { regex: '^en' } }, pool: 'a' },
    ]);
    const name = (path: string, headers = '') => r.match(get(path, `Host: h\r\n${headers}`))?.name ?? null;
    expect(name('/', 'X-Tenant: acme\r\n')).toBe('exact');
    expect(name('/', 'X-Tenant: ACME\r\n')).toBeNull();
    expect(name('/', 'X-Debug: 1\r\n')).toBe('regex');
    expect(name('/?mode')).toBe('absent');
    expect(name('/?mode', 'X-Flag: 1\r\n')).toBeNull();
    expect(name('/?lang=en-GB&v=2')).toBe('query');
    expect(name('/?lang=fr&v=2')).toBeNull();
    expect(name('/?v=%32&lang=en+us')).toBe('query');
  });

  it('compiles rewrites', () => {
    const r = router([
      { name: 'strip', pathPrefix: '/api', pool: 'a', rewrite: { stripPrefix: '/api', addPrefix: '/v2/' } },
      { name: 'add', pool: 'a', rewrite: { addPrefix: '/base' } },
    ]);
    const target = (path: string) => {
      const h = get(path);
      return r.match(h)!.target(h);
    };
    expect(target('/api/users?x=1')).toBe('/v2/users?x=1');
    expect(target('/api')).toBe('/v2/');
    expect(target('/api?x')).toBe('/v2/?x');
    expect(target('/other')).toBe('/base/other');
  });

  it('rejects invalid options when compiling, not per request', () => {
    const bad: RouteOptions[] = [
      { pool: 'nope' },
      { pool: 'a', path: '(' },
      { pool: 'a', headers: { X: { regex: '[' } } },
      { pool: 'a', host: 'a*b.example' },
      { pool: 'a', key: 'cookie:' },
      { pool: 'a', key: 'body' },
      { pool: 'a', sticky: { cookie: 'bad name' } },
      { pool: 'a', rewrite: { stripPrefix: 'api' } },
      { pool: 'a', rewrite: { host: 'a b' } },
      { pool: 'a', requestHeaders: { set: { 'Transfer-Encoding': 'chunked' } } },
      { pool: 'a', requestHeaders: { set: { X: 'a\r\nInjected: 1' } } },
      { pool: 'a', responseHeaders: { remove: ['bad name'] } },
      { pool: 'a', timeouts: { response: -1 } },
      { pool: 'a', retries: { count: 1, on: ['sometimes' as 'reset'] } },
      { pool: 'a', retries: { count: -1 } },
    ];
    for (const route of bad)
      expect(() => router([route]), JSON.stringify(route)).toThrow(InvalidHttpOptionError);
    expect(() => router([], { default: { pool: 'zzz' } })).toThrow(InvalidHttpOptionError);
    expect(() => router([{ pool: 'a' }, { pool: 'b' }].map((r) => ({ ...r, name: 'same' })))).toThrow(
      /duplicate/,
    );
  });

  it('has safe retry defaults', () => {
    const route = router([{ pool: 'a' }]).routes[0]!;
    expect([
      route.retries,
      route.retryConnect,
      route.retryReset,
      route.retryTimeout,
      route.retryStatuses,
    ]).toEqual([2, true, true, false, null]);
  });
});
