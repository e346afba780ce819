import { CacheNode } from '@lvs7/cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccessEvents,
  curl,
  get,
  header,
  httpAddress,
  logger,
  nodeOptions,
  Origin,
  originPool,
} from './helpers.js';

const MEDIA = Buffer.alloc(200_000);
for (let i = 0; i < MEDIA.length; i++) MEDIA[i] = (i * 7) & 0xff;

/**
 * One cache node in front of a node:http origin, with real clients: undici
 * (origin-form, accelerator mode through the `origin` pool) and curl
 * (absolute-form, forward proxy).
 */
describe('a single cache node in front of an origin', () => {
  let origin: Origin;
  let node: CacheNode;
  let events: AccessEvents;
  let base: string;
  let version = '"v1"';

  beforeAll(async () => {
    origin = await new Origin((req, res) => {
      req.resume();
      const path = (req.url ?? '/').split('?')[0]!;
      if (path === '/reval.txt') {
        // Always stale (max-age=0): every use is revalidated.
        if (req.headers['if-none-match'] === version) {
          res.writeHead(304, { etag: version, 'cache-control': 'max-age=0' });
          res.end();
          return;
        }
        res.writeHead(200, { etag: version, 'cache-control': 'max-age=0', 'content-type': 'text/plain' });
        res.end(`content ${version}`);
      } else if (path === '/nostore.txt') {
        res.writeHead(200, { 'cache-control': 'no-store', 'content-type': 'text/plain' });
        res.end(`fresh every time ${Date.now()}`);
      } else if (path === '/media.bin') {
        res.writeHead(200, {
          'cache-control': 'max-age=3600',
          'content-type': 'application/octet-stream',
          'content-length': String(MEDIA.length),
          etag: '"media"',
        });
        res.end(MEDIA);
      } else {
        const body = `object ${path}`;
        res.writeHead(200, {
          'cache-control': 'max-age=3600',
          'content-type': 'text/plain',
          etag: '"o1"',
          'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT',
        });
        res.end(body);
      }
    }).start();
    events = new AccessEvents();
    node = new CacheNode({
      options: nodeOptions('cache1', { origin: 'web' }),
      pools: originPool(origin),
      logger,
    });
    await node.start();
    base = httpAddress(node);
  });

  afterAll(async () => {
    events?.close();
    await node?.close();
    await origin?.stop();
  });

  it('MISS, then HIT (undici, accelerator mode)', async () => {
    const first = await get(base, '/hello.txt');
    expect(first.status).toBe(200);
    expect(first.body).toBe('object /hello.txt');
    expect(header(first, 'x-cache')).toBe('MISS from cache1');
    expect(header(first, 'x-cache-lookup')).toMatch(/^MISS from cache1:\d+$/);
    expect(header(first, 'via')).toContain('1.1 cache1 (lvs7)');

    const second = await get(base, '/hello.txt');
    expect(second.body).toBe('object /hello.txt');
    expect(header(second, 'x-cache')).toBe('HIT from cache1');
    expect(header(second, 'x-cache-lookup')).toMatch(/^HIT from cache1:\d+$/);
    expect(Number(header(second, 'age'))).toBeGreaterThanOrEqual(0);
    expect(origin.count('/hello.txt')).toBe(1);
    const url = `http://${base}/hello.txt`;
    expect(events.of('cache1', url).map((e) => e.code)).toEqual(['TCP_MISS', 'TCP_MEM_HIT']);
  });

  it('MISS, then HIT (curl, forward proxy)', async () => {
    const url = origin.url('/proxied.txt');
    const first = await curl(base, url);
    expect(first).toMatchObject({ status: 200, body: 'object /proxied.txt' });
    expect(header(first, 'x-cache')).toBe('MISS from cache1');
    const second = await curl(base, url);
    expect(header(second, 'x-cache')).toBe('HIT from cache1');
    expect(origin.count('/proxied.txt')).toBe(1);
    expect(events.of('cache1', url).map((e) => e.hierarchy)).toEqual(['HIER_DIRECT', 'HIER_NONE']);
  });

  it('revalidates a stale object with If-None-Match and serves it on 304', async () => {
    const first = await get(base, '/reval.txt');
    expect(first).toMatchObject({ status: 200, body: 'content "v1"' });
    const before = origin.count('/reval.txt');
    const second = await get(base, '/reval.txt');
    expect(second).toMatchObject({ status: 200, body: 'content "v1"' });
    expect(header(second, 'x-cache')).toBe('HIT from cache1');
    expect(origin.count('/reval.txt')).toBe(before + 1);
    expect(origin.requests.at(-1)?.['if-none-match']).toBe('"v1"');
    expect(events.events.at(-1)?.code).toBe('TCP_REFRESH_UNMODIFIED');

    version = '"v2"';
    const changed = await get(base, '/reval.txt');
    expect(changed).toMatchObject({ status: 200, body: 'content "v2"' });
    expect(header(changed, 'x-cache')).toBe('MISS from cache1');
    expect(events.events.at(-1)?.code).toBe('TCP_REFRESH_MODIFIED');
  });

  it("answers a client's conditional request with 304 from the store", async () => {
    await get(base, '/cond.txt');
    const byEtag = await get(base, '/cond.txt', { 'if-none-match': '"o1"' });
    expect(byEtag.status).toBe(304);
    expect(byEtag.body).toBe('');
    expect(header(byEtag, 'etag')).toBe('"o1"');
    expect(header(byEtag, 'x-cache')).toBe('HIT from cache1');
    const byDate = await curl(base, origin.url('/cond2.txt'), [
      '-H',
      'If-Modified-Since: Thu, 02 Jan 2025 00:00:00 GMT',
    ]);
    // A miss: the node fetched the full object for its store, and still answered the client 304.
    expect(byDate.status).toBe(304);
    const other = await get(base, '/cond.txt', { 'if-none-match': '"other"' });
    expect(other.status).toBe(200);
    expect(origin.count('/cond.txt')).toBe(1);
  });

  it('does not store no-store responses', async () => {
    const one = await get(base, '/nostore.txt');
    const two = await get(base, '/nostore.txt');
    expect(header(one, 'x-cache')).toBe('MISS from cache1');
    expect(header(two, 'x-cache')).toBe('MISS from cache1');
    expect(origin.count('/nostore.txt')).toBe(2);
    expect(node.has(`http://${base}/nostore.txt`)).toBe(false);
  });

  it('serves Range requests (206, suffix, 416) from the cached full object', async () => {
    // A Range miss: the full object is fetched and stored, the client gets its range.
    const first = await get(base, '/media.bin', { range: 'bytes=0-99' });
    expect(first.status).toBe(206);
    expect(header(first, 'content-range')).toBe(`bytes 0-99/${MEDIA.length}`);
    expect(Buffer.from(first.body, 'latin1').length).toBe(100);

    const res = await undiciRange(base, 'bytes=1000-1999');
    expect(res.status).toBe(206);
    expect(res.body.equals(MEDIA.subarray(1000, 2000))).toBe(true);
    expect(res.xcache).toBe('HIT from cache1');

    const suffix = await undiciRange(base, 'bytes=-500');
    expect(suffix.status).toBe(206);
    expect(suffix.contentRange).toBe(`bytes ${MEDIA.length - 500}-${MEDIA.length - 1}/${MEDIA.length}`);
    expect(suffix.body.equals(MEDIA.subarray(MEDIA.length - 500))).toBe(true);

    const beyond = await undiciRange(base, `bytes=${MEDIA.length}-`);
    expect(beyond.status).toBe(416);
    expect(beyond.contentRange).toBe(`bytes */${MEDIA.length}`);

    const viaCurl = await curl(undefined, `http://${base}/media.bin`, ['-r', '10-19']);
    expect(viaCurl.status).toBe(206);
    expect(Buffer.from(viaCurl.body, 'latin1').equals(MEDIA.subarray(10, 20))).toBe(true);
    expect(origin.count('/media.bin')).toBe(1);
  });

  it('HEAD is answered from a stored GET', async () => {
    await get(base, '/head.txt');
    const res = await curl(undefined, `http://${base}/head.txt`, ['-I']);
    expect(res.status).toBe(200);
    expect(header(res, 'content-length')).toBe(String('object /head.txt'.length));
    expect(header(res, 'x-cache')).toBe('HIT from cache1');
    expect(origin.count('/head.txt')).toBe(1);
  });

  it('detects a forwarding loop through its own Via', async () => {
    // Absolute-form to the node itself: it forwards to itself, and the second pass sees its Via.
    const res = await curl(base, `http://${base}/loop.txt`);
    expect(res.status).toBe(508);
    expect(header(res, 'x-lvs7-error')).toContain('LVS7_ERR_CACHE_LOOP');
  });
});

async function undiciRange(base: string, range: string) {
  const { undici } = await import('./helpers.js');
  const res = await undici.request(`http://${base}/media.bin`, { headers: { range } });
  const body = Buffer.from(await res.body.arrayBuffer());
  return {
    status: res.statusCode,
    body,
    contentRange: res.headers['content-range'],
    xcache: res.headers['x-cache'],
  };
}
