import type { Pool } from '@lvs7/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePool, type Origin, type ProxyFixture, request, startOrigins, startProxy } from './helpers.js';

describe('sticky cookies', () => {
  let origins: Origin[];
  let pool: Pool;
  let proxy: ProxyFixture;

  beforeAll(async () => {
    origins = await startOrigins(3);
    pool = makePool('web', origins);
    proxy = await startProxy({ routes: [{ pool: 'web', sticky: { cookie: 'SRV', ttl: 3_600_000 } }] }, [
      pool,
    ]);
  });
  afterAll(async () => {
    await proxy.close();
    for (const o of origins) await o.stop();
  });

  const served = (body: string) => body.split(' ')[0]!;
  const cookieOf = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h)?.split(';')[0];

  it('inserts an opaque cookie and keeps the client on its server', async () => {
    const first = await request(proxy.url + '/');
    const setCookie = first.headers['set-cookie'] as string;
    expect(setCookie).toMatch(/^SRV=[\w-]{12}\.[0-9a-z]+; Max-Age=3600; Path=\/; HttpOnly$/);
    expect(setCookie).not.toContain(served(first.body));
    const cookie = cookieOf(setCookie)!;
    for (let i = 0; i < 6; i++) {
      const res = await request(proxy.url + '/', { headers: { cookie: `a=b; ${cookie}` } });
      expect(served(res.body)).toBe(served(first.body));
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('honours the cookie while the server drains, falls back when it is in maintenance', async () => {
    const first = await request(proxy.url + '/');
    const name = served(first.body);
    const cookie = cookieOf(first.headers['set-cookie'])!;
    pool.setState(name, 'drain');
    expect(served((await request(proxy.url + '/', { headers: { cookie } })).body)).toBe(name);
    for (let i = 0; i < 4; i++) expect(served((await request(proxy.url + '/')).body)).not.toBe(name);
    pool.setState(name, 'maint');
    const moved = await request(proxy.url + '/', { headers: { cookie } });
    expect(served(moved.body)).not.toBe(name);
    const newCookie = cookieOf(moved.headers['set-cookie']);
    expect(newCookie).toBeDefined();
    expect(newCookie).not.toBe(cookie);
    pool.setState(name, 'ready');
  });

  it('ignores forged, malformed and expired cookies', async () => {
    for (const cookie of ['SRV=nonsense', 'SRV=', 'SRV=abc.zzzzzzzzzzzzzz', 'SRV=abcdefghijkl.1']) {
      const res = await request(proxy.url + '/', { headers: { cookie } });
      expect(res.status).toBe(200);
      expect(res.headers['set-cookie']).toBeDefined();
    }
  });
});
