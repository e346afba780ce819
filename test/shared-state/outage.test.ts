import type { AdminChange } from '@lvs7/shared-state';
import { applyAdminChange } from '@lvs7/shared-state';
import { type RedisInstance, startRedis } from '@lvs7/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Node, nextEvent, startNode, until } from './helpers.js';

const TABLE = { ttlMs: 60_000, maxEntries: 10_000 };

/** Table reads/writes and picks as fast as the event loop allows, counting exceptions. */
function loadLoop(node: Node) {
  const table = node.shared.store.table('sticky', TABLE);
  let running = true;
  let iterations = 0;
  let errors = 0;
  const done = (async () => {
    while (running) {
      try {
        const key = `load-${iterations % 500}`;
        const server = node.web.pick({ key });
        if (server) {
          node.web.sessionStarted(server);
          if (table.get(key) === undefined) table.set(key, server.name);
          else table.touch(key);
          node.web.sessionEnded(server);
        }
        iterations++;
      } catch {
        errors++;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    get iterations() {
      return iterations;
    },
    async stop() {
      running = false;
      await done;
      return { iterations, errors };
    },
  };
}

describe('Redis killed under load and restored', () => {
  let redis: RedisInstance | undefined;
  const nodes: Node[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close()));
    await redis?.stop();
  });

  it('keeps serving with zero exceptions, then reconciles tables, admin changes, counts and health', async () => {
    redis = await startRedis();
    const options = { cluster: 'outage', healthMode: 'any' as const, countIntervalMs: 50 };
    const a = await startNode(redis.url, options);
    const b = await startNode(redis.url, options);
    nodes.push(a, b);
    b.shared.admin.on('change', (c) => void applyAdminChange(b.web, c));
    await b.shared.admin.load();
    const [ta, tb] = [a, b].map((n) => n.shared.store.table('outage', TABLE)) as [
      ReturnType<typeof a.shared.store.table>,
      ReturnType<typeof a.shared.store.table>,
    ];
    const aWeb1 = a.web.get('web1')!;
    for (let i = 0; i < 3; i++) a.web.sessionStarted(aWeb1);
    await until(b.shared.counts, 'synced', () => b.web.get('web1')!.remoteActive === 3);

    const loops = [loadLoop(a), loadLoop(b)];
    const lost = [nextEvent(a.shared, 'unreachable'), nextEvent(b.shared, 'unreachable')];
    await redis.stop();
    await Promise.all(lost);
    expect(a.shared.reachable).toBe(false);

    // Made while Redis is away: table writes, an admin change, a health observation.
    for (let i = 0; i < 100; i++) ta.set(`out-${i}`, `web${(i % 3) + 1}`);
    a.shared.admin.publish({ type: 'patch', pool: 'web', server: 'web2', weight: 9 });
    a.web.setHealthy(a.web.get('web3')!, false, 'local check');
    expect(ta.get('out-42')).toBe('web1');
    // B's view of A's sessions expires after the counts' ttl (5 × 50 ms).
    await until(b.shared.counts, 'synced', () => b.web.get('web1')!.remoteActive === 0, 2_000);
    const before = loops.map((l) => l.iterations);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(loops.every((l, i) => l.iterations > before[i]! + 20)).toBe(true);

    const adminOnB = nextEvent(
      b.shared.admin,
      'change',
      (c: AdminChange) => c.type === 'patch' && c.server === 'web2',
    );
    const back = [
      nextEvent(a.shared, 'reachable', undefined, 10_000),
      nextEvent(b.shared, 'reachable', undefined, 10_000),
    ];
    await redis.restart();
    await Promise.all(back);

    await until(b.shared.store, 'update', () => tb.get('out-99') === 'web1' && tb.get('out-0') === 'web1');
    for (let i = 0; i < 100; i++) expect(tb.get(`out-${i}`)).toBe(`web${(i % 3) + 1}`);
    await adminOnB;
    expect(b.web.get('web2')!.configuredWeight).toBe(9);
    await until(b.shared.counts, 'synced', () => b.web.get('web1')!.remoteActive === 3);
    await until(b.shared.health, 'verdict', () => b.web.get('web3')!.healthy === false);

    // The outage's writes reached Redis itself: a new instance loads them.
    const c = await startNode(redis.url, options);
    nodes.push(c);
    const loaded = nextEvent(c.shared.store, 'loaded', (name: string) => name === 'outage');
    const tc = c.shared.store.table('outage', TABLE);
    await loaded;
    expect(tc.get('out-7')).toBe('web2');
    expect(await c.shared.admin.load()).toContainEqual({
      type: 'patch',
      pool: 'web',
      server: 'web2',
      weight: 9,
    });

    const results = await Promise.all(loops.map((l) => l.stop()));
    for (const r of results) expect(r.errors).toBe(0);
    for (const node of [a, b]) {
      expect(node.logs.filter((l) => l.msg.startsWith('Redis unreachable'))).toHaveLength(1);
      expect(node.logs.filter((l) => l.msg.startsWith('Redis reachable again'))).toHaveLength(1);
    }
  });
});
