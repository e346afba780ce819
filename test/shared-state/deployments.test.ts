import {
  type RedisClusterInstance,
  type RedisInstance,
  type RedisSentinelInstance,
  startRedis,
  startRedisCluster,
  startRedisSentinel,
} from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Node, nextEvent, startNode, until } from './helpers.js';

const TABLE = { ttlMs: 60_000, maxEntries: 1_000 };

/** The same checks through any deployment: tables by pub/sub and by loading, admin, counts. */
async function exercise(url: string): Promise<void> {
  const nodes: Node[] = [];
  try {
    const a = await startNode(url);
    const b = await startNode(url);
    nodes.push(a, b);
    expect(a.shared.reachable).toBe(true);
    const arrived = nextEvent(b.shared.store, 'update', (_t: string, key: string) => key === 'k1');
    const ta = a.shared.store.table('pool:web:sticky', TABLE);
    const tb = b.shared.store.table('pool:web:sticky', TABLE);
    for (let i = 1; i <= 20; i++) ta.set(`k${i}`, 'web3');
    await arrived;
    expect(tb.get('k1')).toBe('web3');
    await a.shared.store.flush();

    const changed = nextEvent(b.shared.admin, 'change');
    a.shared.admin.publish({ type: 'patch', pool: 'web', server: 'web1', weight: 4 });
    await changed;

    a.web.sessionStarted(a.web.get('web2')!);
    await until(b.shared.counts, 'synced', () => b.web.get('web2')!.remoteActive === 1);

    const c = await startNode(url);
    nodes.push(c);
    const loaded = nextEvent(c.shared.store, 'loaded', (name: string) => name === 'pool:web:sticky');
    const tc = c.shared.store.table('pool:web:sticky', TABLE);
    expect((await loaded)[1]).toBe(20);
    expect(tc.get('k20')).toBe('web3');
    expect(await c.shared.admin.load()).toEqual([{ type: 'patch', pool: 'web', server: 'web1', weight: 4 }]);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}

describe('Redis Sentinel and Redis Cluster URLs', () => {
  let master: RedisInstance;
  let sentinel: RedisSentinelInstance;
  let cluster: RedisClusterInstance;

  beforeAll(async () => {
    master = await startRedis();
    sentinel = await startRedisSentinel({ masterPort: master.port });
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await sentinel?.stop();
    await master?.stop();
    await cluster?.stop();
  });

  it('works through Sentinel (redis+sentinel://host:port/master)', async () => {
    await exercise(sentinel.url);
  });

  it('works on Redis Cluster (redis+cluster://host:port,…): one hash tag keeps scripts and pipelines in one slot', async () => {
    await exercise(cluster.url);
  });
});
