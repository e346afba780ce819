import { Pool } from '@lvs7/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionCache } from '../src/backend/connection-cache.js';
import { DEFAULT_BACKEND } from '../src/options.js';
import { FakeBackend } from './helpers/fake-backend.js';

let backend: FakeBackend | undefined;
let cache: ConnectionCache | undefined;
afterEach(async () => {
  cache?.close();
  await backend?.stop();
});

async function setup(maxIdlePerServer = 4, proxy = false) {
  backend = await new FakeBackend({ name: 'mx1', extensions: ['PIPELINING', 'XCLIENT ADDR'], proxy }).start();
  const pool = new Pool('mail', { scheduler: 'rr', servers: [{ name: 'mx1', address: backend.address }] });
  cache = new ConnectionCache({ ...DEFAULT_BACKEND, maxIdlePerServer, helo: 'lvs7.test' });
  return { server: pool.get('mx1')!, cache };
}

describe('ConnectionCache', () => {
  it('reuses idle connections and learns what each server offers', async () => {
    const { server, cache } = await setup();
    const a = await cache.acquire(server);
    expect(cache.capabilities.get('mx1')?.has('XCLIENT')).toBe(true);
    cache.release(server, a, true);
    expect(server.inactive).toBe(1);
    expect(await cache.acquire(server)).toBe(a);
    expect(server.inactive).toBe(0);
    expect(backend!.connections).toBe(1);
  });

  it('gives a connection introduced as one client only to that client again', async () => {
    const { server, cache } = await setup();
    const introduced = await cache.acquire(server);
    introduced.clientKey = 'client A';
    const fresh = await cache.acquire(server);
    cache.release(server, introduced, true);
    cache.release(server, fresh, true);
    expect(await cache.acquire(server, undefined, 'client B')).toBe(fresh);
    const third = await cache.acquire(server, undefined, 'client C');
    expect(third).not.toBe(introduced);
    expect(await cache.acquire(server, undefined, 'client A')).toBe(introduced);
    third.destroy();
  });

  it('closes the idle connections introduced as a client once its session is gone', async () => {
    const { server, cache } = await setup();
    const [a, b] = [await cache.acquire(server), await cache.acquire(server)];
    a.clientKey = '192.0.2.1 4000 helo ESMTP ';
    cache.release(server, a, true);
    cache.release(server, b, true);
    cache.forget('192.0.2.1 4000 ');
    expect(a.broken).toBe(true);
    expect(cache.idleCount).toBe(1);
    expect(server.inactive).toBe(1);
  });

  it('closes what it cannot keep: over the limit, or not reusable', async () => {
    const { server, cache } = await setup(1);
    const [a, b, c] = [await cache.acquire(server), await cache.acquire(server), await cache.acquire(server)];
    cache.release(server, a, true);
    cache.release(server, b, true);
    expect(cache.idleCount).toBe(1);
    expect(b.broken).toBe(true);
    cache.release(server, c, false);
    expect(c.broken).toBe(true);
  });

  it('never keeps a connection that started with a PROXY header (it names one client)', async () => {
    const { server, cache } = await setup(4, true);
    const proxied = await cache.acquire(server, Buffer.from('PROXY TCP4 192.0.2.1 127.0.0.1 4000 25\r\n'));
    expect(backend!.proxyHeaders).toEqual(['PROXY TCP4 192.0.2.1 127.0.0.1 4000 25']);
    cache.release(server, proxied, true);
    expect(proxied.broken).toBe(true);
    expect(cache.idleCount).toBe(0);
  });
});
