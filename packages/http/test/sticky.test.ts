import { Pool } from '@lvs7/core';
import { describe, expect, it } from 'vitest';
import { StickyCookie, serverForStickyId, stickyId, stickyUsable } from '../src/sticky.js';

describe('sticky cookies', () => {
  const pool = new Pool('web', {
    scheduler: 'rr',
    servers: [
      { name: 'a', address: '127.0.0.1:1' },
      { name: 'b', address: '127.0.0.1:2' },
    ],
  });

  it('uses opaque, stable ids that resolve back to the server', () => {
    const a = pool.get('a')!;
    const id = stickyId(pool, a);
    expect(id).toMatch(/^[\w-]{12}$/);
    expect(id).not.toContain('a');
    expect(id).not.toBe(stickyId(pool, pool.get('b')!));
    expect(serverForStickyId(pool, id)).toBe(a);
    expect(serverForStickyId(pool, 'unknown')).toBeUndefined();
    const c = pool.add({ name: 'c', address: '127.0.0.1:3' });
    expect(serverForStickyId(pool, stickyId(pool, c))).toBe(c);
  });

  it('encodes an expiry with a ttl and refuses expired or malformed values', () => {
    const sticky = new StickyCookie({ cookie: 'SRV', ttl: 10_000 }, 'r');
    const now = 1_700_000_000_000;
    const line = sticky.encode('abcdefghijkl', now);
    expect(line).toMatch(/^Set-Cookie: SRV=abcdefghijkl\.[0-9a-z]+; Max-Age=10; Path=\/; HttpOnly\r\n$/);
    const value = /SRV=([^;]+)/.exec(line)![1]!;
    expect(sticky.decode(value, now)).toEqual({ id: 'abcdefghijkl', refresh: false });
    expect(sticky.decode(value, now + 6_000)).toEqual({ id: 'abcdefghijkl', refresh: true });
    expect(sticky.decode(value, now + 11_000)).toBeUndefined();
    for (const bad of [undefined, '', 'abc', '.zz', 'abc.!!'])
      expect(sticky.decode(bad, now)).toBeUndefined();
  });

  it('is a session cookie without ttl', () => {
    const sticky = new StickyCookie({ cookie: 'S' }, 'r');
    expect(sticky.encode('id', 0)).toBe('Set-Cookie: S=id; Path=/; HttpOnly\r\n');
    expect(sticky.decode('id', 0)).toEqual({ id: 'id', refresh: false });
    expect(sticky.decode('id.x', 0)).toBeUndefined();
  });

  it('honours draining servers but not maint, unhealthy, ejected or full ones', () => {
    const s = pool.get('b')!;
    expect(stickyUsable(s)).toBe(true);
    pool.setState('b', 'drain');
    expect(stickyUsable(s)).toBe(true);
    pool.setState('b', 'maint');
    expect(stickyUsable(s)).toBe(false);
    pool.setState('b', 'ready');
    pool.setEjected(s, true);
    expect(stickyUsable(s)).toBe(false);
    pool.setEjected(s, false);
    s.maxConnections = 1;
    s.localActive = 1;
    expect(stickyUsable(s)).toBe(false);
    s.localActive = 0;
  });
});
