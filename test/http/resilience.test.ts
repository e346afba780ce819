import { once } from 'node:events';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makePool, Origin, request, startOrigins, startProxy, statuses, undici } from './helpers.js';

describe('resilience: servers failing, added, drained; reloads and shutdown', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('keeps GETs succeeding when a server dies mid-load, and never replays POSTs that reached it', async () => {
    const posts = new Map<string, number>();
    const handler =
      (origin: () => Origin) =>
      (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
        const id = req.headers['x-id'] as string;
        if (req.method === 'POST') posts.set(id, (posts.get(id) ?? 0) + 1);
        req.resume();
        // Slow enough that the kill catches requests in flight.
        setTimeout(() => res.end(`${origin().name} ${id}`), 5);
      };
    const origins: Origin[] = [];
    for (let i = 0; i < 3; i++)
      origins.push(
        await new Origin(
          `s${i}`,
          handler(() => origins[i]!),
        ).start(),
      );
    cleanup.push(async () => {
      for (const o of origins) await o.stop();
    });
    const proxy = await startProxy({ routes: [{ pool: 'web' }] }, [makePool('web', origins)]);
    cleanup.push(() => proxy.close());
    const agent = new undici.Agent({ connections: 20 });
    cleanup.push(() => agent.close());
    let n = 0;
    const results: { method: string; status: number }[] = [];
    const worker = async () => {
      while (n < 600) {
        const id = String(n++);
        const method = n % 4 === 0 ? 'POST' : 'GET';
        const res = await undici.request(`${proxy.url}/${id}`, {
          method,
          headers: { 'x-id': id },
          body: method === 'POST' ? 'payload' : null,
          dispatcher: agent,
        });
        await res.body.text();
        results.push({ method, status: res.statusCode });
        if (n === 200) void origins[1]!.stop();
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    const gets = results.filter((r) => r.method === 'GET');
    expect(gets.every((r) => r.status === 200)).toBe(true);
    const failedPosts = results.filter((r) => r.method === 'POST' && r.status !== 200);
    expect(failedPosts.every((r) => r.status === 502)).toBe(true);
    expect([...posts.values()].every((count) => count === 1)).toBe(true);
    expect(proxy.listener.statsSnapshot().listener.retries).toBeGreaterThan(0);
  });

  it('sends traffic to a server added at runtime', async () => {
    const [a, b] = await startOrigins(2);
    cleanup.push(
      () => a!.stop(),
      () => b!.stop(),
    );
    const pool = makePool('web', [a!]);
    const proxy = await startProxy({ routes: [{ pool: 'web' }] }, [pool]);
    cleanup.push(() => proxy.close());
    for (let i = 0; i < 4; i++) await request(proxy.url + '/');
    expect(b!.requests).toBe(0);
    pool.add({ name: 'late', address: b!.address });
    for (let i = 0; i < 4; i++) await request(proxy.url + '/');
    expect(b!.requests).toBe(2);
  });

  it('lets in-flight requests finish on a drained server, new ones go elsewhere', async () => {
    const held: (() => void)[] = [];
    const slow = await new Origin('slow', (req, res) => {
      req.resume();
      held.push(() => res.end('slow done'));
    }).start();
    const [fast] = await startOrigins(1);
    cleanup.push(
      () => slow.stop(),
      () => fast!.stop(),
    );
    const pool = makePool('web', [slow, fast!]);
    const proxy = await startProxy({ routes: [{ pool: 'web' }] }, [pool]);
    cleanup.push(() => proxy.close());
    const inflight = request(proxy.url + '/long');
    await expect.poll(() => held.length).toBe(1);
    pool.setState('slow', 'drain');
    for (let i = 0; i < 3; i++) expect((await request(proxy.url + '/')).body).toContain('s0');
    const drained = once(pool, 'drained');
    held[0]!();
    expect((await inflight).body).toBe('slow done');
    await drained;
    expect(pool.get('slow')!.active).toBe(0);
  });

  it('applies update() to open keep-alive connections without dropping them', async () => {
    const [a, b] = await startOrigins(2);
    cleanup.push(
      () => a!.stop(),
      () => b!.stop(),
    );
    const pa = makePool('a', [a!]);
    const pb = makePool('b', [b!]);
    const proxy = await startProxy({ routes: [{ pool: 'a' }] }, [pa, pb]);
    cleanup.push(() => proxy.close());
    const socket = connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    const ask = async () => {
      socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      const [data] = (await once(socket, 'data')) as [Buffer];
      return data.toString();
    };
    expect(await ask()).toContain('s0 GET /');
    const pools = new Map([
      ['a', pa],
      ['b', pb],
    ]);
    proxy.listener.update({ name: 'test', listen: '127.0.0.1:0', routes: [{ pool: 'b' }] }, pools);
    expect(await ask()).toContain('s1 GET /');
    expect(() =>
      proxy.listener.update({ name: 'test', listen: '127.0.0.1:0', routes: [{ pool: 'nope' }] }, pools),
    ).toThrow(/unknown pool/);
    expect(await ask()).toContain('s1 GET /');
    socket.destroy();
  });

  it('close() lets in-flight requests finish, then closes idle keep-alive connections', async () => {
    const held: (() => void)[] = [];
    const o = await new Origin('slow', (req, res) => {
      req.resume();
      held.push(() => res.end('finished'));
    }).start();
    cleanup.push(() => o.stop());
    const pool = makePool('web', [o]);
    const proxy = await startProxy({ routes: [{ pool: 'web' }] }, [pool]);
    const idle = connect(proxy.port, '127.0.0.1');
    await once(idle, 'connect');
    const busy = connect(proxy.port, '127.0.0.1');
    await once(busy, 'connect');
    const busyData: Buffer[] = [];
    busy.on('data', (d) => busyData.push(d));
    busy.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    await expect.poll(() => held.length).toBe(1);
    const closing = proxy.listener.close({ drainTimeoutMs: 5000 });
    await once(idle, 'close');
    held[0]!();
    await once(busy, 'close');
    await closing;
    const text = Buffer.concat(busyData).toString();
    expect(statuses(text)).toEqual([200]);
    expect(text).toMatch(/Connection: close\r\n/);
    expect(text.endsWith('finished')).toBe(true);
    pool.close();
  });
});
