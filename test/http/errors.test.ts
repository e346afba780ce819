import { once } from 'node:events';
import { type AddressInfo, createServer, type Server as NetServer, type Socket } from 'node:net';
import { OutlierDetector, Pool, type Server } from '@lvs7/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  makePool,
  Origin,
  type ProxyFixture,
  raw,
  request,
  startOrigins,
  startProxy,
  statuses,
} from './helpers.js';

/** A TCP "server" misbehaving in a given way. */
async function tcpServer(
  onSocket: (s: Socket) => void,
): Promise<{ server: NetServer; address: string; hits: number }> {
  const state = { server: createServer(), address: '', hits: 0 };
  state.server.on('connection', (s) => {
    state.hits++;
    s.on('error', () => {});
    onSocket(s);
  });
  state.server.listen(0, '127.0.0.1');
  await once(state.server, 'listening');
  state.address = `127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

/** An address nothing listens on. */
async function deadAddress(): Promise<string> {
  const s = await tcpServer(() => {});
  await new Promise<void>((r) => s.server.close(() => r()));
  return s.address;
}

class Recorder {
  readonly reports: { server: string; ok: boolean; kind: string | undefined }[] = [];
  report(server: Server, ok: boolean, kind?: string): void {
    this.reports.push({ server: server.name, ok, kind });
  }
}

describe('errors, retries and queueing', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  const track = <T extends ProxyFixture | Origin>(x: T): T => {
    cleanup.push(() => ('listener' in x ? x.close() : x.stop()));
    return x;
  };
  const pool = (name: string, servers: { name: string; address: string }[]) =>
    new Pool(name, { scheduler: 'rr', servers });

  it('408 when a request head dribbles in slower than clientHeader; idle keep-alive closed after clientIdle', async () => {
    const [o] = await startOrigins(1);
    track(o!);
    const proxy = track(
      await startProxy({ routes: [{ pool: 'web' }], timeouts: { clientHeader: 200, clientIdle: 300 } }, [
        makePool('web', [o!]),
      ]),
    );
    const t0 = Date.now();
    const slow = await raw(proxy.port, 'GET / HTTP/1.1\r\nHost: h\r\nX-Slow', 5000);
    expect(statuses(slow)).toEqual([408]);
    expect(Date.now() - t0).toBeLessThan(2000);
    const idle = await raw(proxy.port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', 5000);
    expect(statuses(idle)).toEqual([200]);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(o!.requests).toBe(1);
  });

  it('503 with Retry-After when no server is eligible', async () => {
    const [o] = await startOrigins(1);
    track(o!);
    const p = makePool('web', [o!], { state: 'maint' });
    const proxy = track(await startProxy({ routes: [{ pool: 'web' }] }, [p]));
    const res = await request(proxy.url + '/');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toBe('503 Service Unavailable\n');
    expect(o!.requests).toBe(0);
  });

  it('504 when the server does not answer in time, reported as a timeout', async () => {
    const o = track(await new Origin('slow', () => {}).start());
    const outlier = new Recorder();
    const proxy = track(
      await startProxy({ routes: [{ pool: 'web', timeouts: { response: 150 } }] }, [makePool('web', [o])], {
        web: { outlier },
      }),
    );
    const t0 = Date.now();
    const res = await request(proxy.url + '/');
    expect(res.status).toBe(504);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(outlier.reports).toEqual([{ server: 'slow', ok: false, kind: 'timeout' }]);
  });

  it('cuts the client off when the server stalls mid-body longer than the idle timeout', async () => {
    const o = track(
      await new Origin('stall', (req, res) => {
        req.resume();
        res.setHeader('content-length', '100');
        res.write('x'.repeat(10)); // ...and never the rest
      }).start(),
    );
    const proxy = track(
      await startProxy({ routes: [{ pool: 'web', timeouts: { response: 5000, idle: 200 } }] }, [
        makePool('web', [o]),
      ]),
    );
    const t0 = Date.now();
    const text = await raw(proxy.port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', 5000);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(statuses(text)).toEqual([200]);
    expect(text.endsWith('x'.repeat(10))).toBe(true);
    expect(proxy.listener.statsSnapshot().listener.errors.LVS7_HTTP_UPSTREAM_TIMEOUT).toBe(1);
  });

  it('502 on a garbage or malformed response', async () => {
    const garbage = await tcpServer((s) => s.once('data', () => s.end('garbage\r\n\r\n')));
    const badLength = await tcpServer((s) =>
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab')),
    );
    cleanup.push(
      () => void garbage.server.close(),
      () => void badLength.server.close(),
    );
    for (const t of [garbage, badLength]) {
      const outlier = new Recorder();
      const proxy = track(
        await startProxy(
          { routes: [{ pool: 'web' }] },
          [pool('web', [{ name: 'bad', address: t.address }])],
          {
            web: { outlier },
          },
        ),
      );
      const text = await raw(proxy.port, 'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n', 1000);
      expect(statuses(text)).toEqual([502]);
      expect(text).not.toContain('garbage');
      expect(outlier.reports[0]).toEqual({ server: 'bad', ok: false, kind: 'invalid-response' });
    }
  });

  it('retries connect failures on another server, for any method', async () => {
    const [good] = await startOrigins(1);
    track(good!);
    const outlier = new Recorder();
    const p = pool('web', [
      { name: 'dead', address: await deadAddress() },
      { name: 'good', address: good!.address },
    ]);
    const proxy = track(await startProxy({ routes: [{ pool: 'web' }] }, [p], { web: { outlier } }));
    for (let i = 0; i < 6; i++) {
      const res = await request(proxy.url + '/x', {
        method: i % 2 ? 'POST' : 'GET',
        body: i % 2 ? 'b' : undefined,
      });
      expect(res.status).toBe(200);
    }
    expect(good!.requests).toBe(6);
    expect(
      outlier.reports.filter((r) => r.server === 'dead').every((r) => r.kind === 'connect-failure'),
    ).toBe(true);
    const stats = proxy.listener.statsSnapshot();
    // rr without ejection (the recorder ejects nothing) tries the dead server first each time.
    expect(stats.listener.retries).toBe(6);
    expect(stats.servers['web/dead']!.errors.LVS7_HTTP_CONNECT_FAILED ?? 0).toBe(0);
  });

  it("feeds core's OutlierDetector, which ejects a dead server so retries stop", async () => {
    const [good] = await startOrigins(1);
    track(good!);
    const p = pool('web', [
      { name: 'dead', address: await deadAddress() },
      { name: 'good', address: good!.address },
    ]);
    const detector = new OutlierDetector(p, { consecutiveFailures: 2, baseEjectionTime: 60_000 });
    cleanup.push(() => detector.stop());
    const proxy = track(await startProxy({ routes: [{ pool: 'web' }] }, [p], { web: { outlier: detector } }));
    for (let i = 0; i < 8; i++) expect((await request(proxy.url + '/')).status).toBe(200);
    expect(p.get('dead')!.ejected).toBe(true);
    expect(proxy.listener.statsSnapshot().listener.retries).toBe(2);
  });

  it('never replays a POST that reached a server; replays an idempotent GET', async () => {
    const [good] = await startOrigins(1);
    track(good!);
    const resetter = await tcpServer((s) => s.once('data', () => s.resetAndDestroy()));
    cleanup.push(() => void resetter.server.close());
    const p = pool('web', [
      { name: 'reset', address: resetter.address },
      { name: 'good', address: good!.address },
    ]);
    const proxy = track(await startProxy({ routes: [{ pool: 'web' }] }, [p]));
    const post = await request(proxy.url + '/order', { method: 'POST', body: 'buy 1' });
    expect(post.status).toBe(502);
    expect(good!.requests).toBe(0);
    expect(resetter.hits).toBe(1);
    const get = await request(proxy.url + '/page');
    expect(get.status).toBe(200);
    expect(good!.requests).toBe(1);
  });

  it('retries on listed statuses for idempotent requests', async () => {
    const failing = track(
      await new Origin('failing', (req, res) => {
        req.resume();
        res.statusCode = 503;
        res.end('no');
      }).start(),
    );
    const ok = track(await new Origin('ok').start());
    const proxy = track(
      await startProxy({ routes: [{ pool: 'web', retries: { count: 1, on: [503] } }] }, [
        makePool('web', [failing, ok]),
      ]),
    );
    for (let i = 0; i < 4; i++) expect((await request(proxy.url + '/')).status).toBe(200);
    expect((await request(proxy.url + '/', { method: 'POST', body: 'x' })).status).toBeOneOf([200, 503]);
  });

  it('queues requests when servers are at maxConnections, FIFO, with a queue timeout', async () => {
    const held: (() => void)[] = [];
    const o = track(
      await new Origin('one', (req, res) => {
        req.resume();
        held.push(() => res.end(`done ${req.url}`));
      }).start(),
    );
    const p = makePool('web', [o], { maxConnections: 1 });
    const proxy = track(
      await startProxy({ routes: [{ pool: 'web' }] }, [p], { web: { queueTimeout: 5000, maxQueue: 1 } }),
    );
    const first = request(proxy.url + '/1');
    await expect.poll(() => held.length).toBe(1);
    const second = request(proxy.url + '/2');
    await expect.poll(() => p.queued).toBe(1);
    const third = await request(proxy.url + '/3');
    expect(third.status).toBe(503);
    expect(o.requests).toBe(1);
    held.shift()!();
    expect((await first).body).toBe('done /1');
    await expect.poll(() => held.length).toBe(1);
    held.shift()!();
    expect((await second).body).toBe('done /2');
    expect(p.get('one')!.active).toBe(0);
  });

  it('answers 503 when the queue timeout passes', async () => {
    const held: (() => void)[] = [];
    const o = track(
      await new Origin('one', (req, res) => {
        req.resume();
        held.push(() => res.end('done'));
      }).start(),
    );
    const p = makePool('web', [o], { maxConnections: 1 });
    const proxy = track(await startProxy({ routes: [{ pool: 'web' }] }, [p], { web: { queueTimeout: 100 } }));
    const first = request(proxy.url + '/1');
    await expect.poll(() => held.length).toBe(1);
    const second = await request(proxy.url + '/2');
    expect(second.status).toBe(503);
    expect(proxy.listener.statsSnapshot().listener.errors.LVS7_HTTP_QUEUE_TIMEOUT).toBe(1);
    held.shift()!();
    expect((await first).status).toBe(200);
    expect(p.get('one')!.active).toBe(0);
  });
});
