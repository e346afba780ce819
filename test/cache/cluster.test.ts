import { CacheNode } from '@lvs7/cache';
import { Pool } from '@lvs7/core';
import { HttpListener } from '@lvs7/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccessEvents,
  cacheable,
  get,
  header,
  httpAddress,
  icpAddress,
  logger,
  nodeOptions,
  Origin,
  originPool,
} from './helpers.js';

const NAMES = ['cache1', 'cache2', 'cache3'];
const PATHS = Array.from({ length: 60 }, (_, i) => `/objects/${i}.txt`);

/** The node that answered: the last `… from NAME` of X-Cache. */
function servedBy(xcache: string): string {
  return /(?:HIT|MISS) from (\S+)$/.exec(xcache)?.[1] ?? '?';
}

/**
 * A cache cluster: three lvs7 cache nodes, siblings of each other over ICP,
 * each accelerating the same origin, behind lvs7's HTTP distributor
 * (HttpListener) hashing the URL over them with Maglev (mh) or CARP.
 */
describe.each(['mh', 'carp'])('a cache cluster behind the HTTP distributor (scheduler %s)', (scheduler) => {
  let origin: Origin;
  const nodes: CacheNode[] = [];
  let caches: Pool;
  let distributor: HttpListener;
  let base: string;
  let events: AccessEvents;
  const home = new Map<string, string>();

  beforeAll(async () => {
    origin = await new Origin(cacheable('the object\n')).start();
    events = new AccessEvents();
    for (const name of NAMES) {
      const node = new CacheNode({
        options: nodeOptions(name, { origin: 'web', icpTimeout: 2_000 }),
        pools: originPool(origin),
        logger,
      });
      await node.start();
      nodes.push(node);
    }
    // Ports are known once all listen: every node gets the other two as siblings.
    for (const node of nodes) {
      node.setPeers(
        nodes
          .filter((peer) => peer !== node)
          .map((peer) => ({
            name: peer.name,
            http: httpAddress(peer),
            icp: icpAddress(peer),
            type: 'sibling' as const,
          })),
      );
    }
    caches = new Pool('caches', {
      scheduler,
      servers: nodes.map((node) => ({ name: node.name, address: httpAddress(node) })),
    });
    distributor = new HttpListener({
      options: {
        name: 'front',
        listen: '127.0.0.1:0',
        routes: [{ pathPrefix: '/', pool: 'caches', key: 'url' }],
      },
      pools: new Map([['caches', caches]]),
      logger,
    });
    await distributor.listen();
    base = `127.0.0.1:${distributor.address()!.port}`;
  });

  afterAll(async () => {
    events?.close();
    await distributor?.close({ drainTimeoutMs: 100 });
    caches?.close();
    for (const node of nodes) await node.close(100);
    await origin?.stop();
  });

  it('the same URL always reaches the same node: one origin fetch, then hits there', async () => {
    for (const path of PATHS) {
      const first = await get(base, path);
      expect(first).toMatchObject({ status: 200, body: 'the object\n' });
      expect(header(first, 'x-cache')).toMatch(/^MISS from cache\d$/);
      home.set(path, servedBy(header(first, 'x-cache')));
    }
    for (const path of PATHS) {
      for (let i = 0; i < 2; i++) {
        const again = await get(base, path);
        expect(header(again, 'x-cache')).toBe(`HIT from ${home.get(path)}`);
      }
      expect(origin.count(path)).toBe(1);
    }
    // Every node holds a share of the keys.
    const shares = NAMES.map((name) => [...home.values()].filter((n) => n === name).length);
    for (const share of shares) expect(share).toBeGreaterThan(PATHS.length / 6);
  });

  it('a node leaving the pool moves only its keys, and their new nodes get them from it (SIBLING_HIT)', async () => {
    const gone = 'cache2';
    await caches.remove(gone);
    let moved = 0;
    for (const path of PATHS) {
      const reply = await get(base, path);
      expect(reply).toMatchObject({ status: 200, body: 'the object\n' });
      const xcache = header(reply, 'x-cache');
      const now = servedBy(xcache);
      if (home.get(path) !== gone) {
        // Keys of the nodes that stayed did not move.
        expect(xcache).toBe(`HIT from ${home.get(path)}`);
        continue;
      }
      moved++;
      expect(now).not.toBe(gone);
      // The new node asked its siblings over ICP; cache2 (still running) had it.
      expect(xcache).toBe(`HIT from ${gone}, MISS from ${now}`);
      const event = events.of(now).find((e) => e.url.endsWith(path));
      expect(event).toMatchObject({ code: 'TCP_MISS', hierarchy: 'SIBLING_HIT', upstream: gone });
    }
    expect(moved).toBeGreaterThan(0);
    // Nothing was fetched from the origin twice.
    for (const path of PATHS) expect(origin.count(path)).toBe(1);
    const fromSiblings = nodes.reduce((sum, node) => sum + node.stats().requests.fromSiblings, 0);
    expect(fromSiblings).toBe(moved);
  });
});
