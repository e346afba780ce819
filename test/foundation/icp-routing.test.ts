import { request } from 'node:http';
import type { Instance } from '@lvs7/cli';
import { freePort, type HttpOrigin, startHttpOrigin } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstance } from './helpers.js';

function get(
  port: number,
  path: string,
  host: string,
): Promise<{ status: number; cache: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, cache: String(res.headers['x-cache'] ?? ''), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('routing by cache key with ICP: a cache that already holds the object is preferred', () => {
  const instances: Instance[] = [];
  let origin: HttpOrigin;
  const caches: { http: number; icp: number }[] = [];
  let front = 0;

  beforeAll(async () => {
    origin = await startHttpOrigin({
      name: 'origin',
      handler: (req, res) => {
        req.resume();
        res.setHeader('cache-control', 'public, max-age=600');
        res.end(`object ${req.url}\n`);
      },
    });
    for (let i = 0; i < 3; i++) caches.push({ http: await freePort(), icp: await freePort() });
    for (const [i, c] of caches.entries()) {
      const peers = caches
        .filter((p) => p !== c)
        .map(
          (p) =>
            `    - { name: c${caches.indexOf(p)}, http: 127.0.0.1:${p.http}, icp: 127.0.0.1:${p.icp}, type: sibling }`,
        )
        .join('\n');
      instances.push(
        await startInstance(`
pools:
  web: { scheduler: rr, servers: [ { name: origin, address: ${origin.address} } ] }
cache:
  name: c${i}
  listen: 127.0.0.1:${c.http}
  origin: web
  icp: 127.0.0.1:${c.icp}
  memory: 16MB
  peers:
${peers}
`),
      );
    }
    front = await freePort();
    instances.push(
      await startInstance(`
pools:
  caches:
    scheduler: mh
    servers:
${caches.map((c, i) => `      - { name: c${i}, address: 127.0.0.1:${c.http}, icp: 127.0.0.1:${c.icp} }`).join('\n')}
listeners:
  - name: www
    listen: 127.0.0.1:${front}
    routes:
      - { pathPrefix: /, pool: caches, key: url, icp: { timeout: 300ms } }
`),
    );
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await origin.stop();
  });

  it('serves each object from the node that cached it, not from the key owner or the origin', async () => {
    const host = `127.0.0.1:${front}`;
    const paths = ['/a.js', '/b.css', '/c.png', '/d.mp4', '/e.html'];
    // Warm each object on one node directly (the Host the distributor will pass on).
    for (const [i, path] of paths.entries()) {
      const warm = await get(caches[i % 3]!.http, path, host);
      expect(warm.cache).toMatch(/MISS from c/);
    }
    expect(origin.requests).toBe(paths.length);
    for (const [i, path] of paths.entries()) {
      const res = await get(front, path, host);
      expect(res.status).toBe(200);
      expect(res.body).toBe(`object ${path}\n`);
      // Straight from the node that has it: one X-Cache entry, a HIT (a key owner
      // without the object would add its own MISS and fetch from its sibling).
      expect(res.cache).toBe(`HIT from c${i % 3}`);
    }
    expect(origin.requests).toBe(paths.length);
  });
});
