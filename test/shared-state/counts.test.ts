import { type RedisInstance, startRedis } from '@lvs7/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Node, startNode, until } from './helpers.js';

describe('active connection counts summed across instances', () => {
  let redis: RedisInstance;
  const nodes: Node[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close()));
  });

  const start = async (cluster: string, countIntervalMs = 200) => {
    const node = await startNode(redis.url, { cluster, countIntervalMs });
    nodes.push(node);
    return node;
  };

  it('B sees A’s 3 sessions on web1 within a second and wlc on B avoids web1', async () => {
    const [a, b] = [await start('counts1'), await start('counts1')];
    const web1 = a.web.get('web1')!;
    for (let i = 0; i < 3; i++) a.web.sessionStarted(web1);
    const started = Date.now();
    const bWeb1 = b.web.get('web1')!;
    await until(b.shared.counts, 'synced', () => bWeb1.remoteActive === 3, 2_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(bWeb1.active).toBe(3);
    expect(bWeb1.localActive).toBe(0);
    for (let i = 0; i < 30; i++) expect(b.web.pick({})?.name).not.toBe('web1');
    // A does not count its own sessions twice.
    await until(a.shared.counts, 'synced', () => true);
    expect(web1.active).toBe(3);
    expect(web1.remoteActive).toBe(0);
  });

  it('sums three instances, follows sessions ending, and drops a closed instance’s counts', async () => {
    const [a, b, c] = [await start('counts2', 50), await start('counts2', 50), await start('counts2', 50)];
    const web2 = (n: Node) => n.web.get('web2')!;
    a.web.sessionStarted(web2(a));
    b.web.sessionStarted(web2(b));
    b.web.sessionStarted(web2(b));
    await until(c.shared.counts, 'synced', () => web2(c).active === 3);
    await until(a.shared.counts, 'synced', () => web2(a).active === 3 && web2(a).remoteActive === 2);

    b.web.sessionEnded(web2(b));
    await until(c.shared.counts, 'synced', () => web2(c).remoteActive === 2);

    await b.close();
    nodes.splice(nodes.indexOf(b), 1);
    await until(c.shared.counts, 'synced', () => web2(c).remoteActive === 1, 1_000);
  });

  it('a dead instance’s counts expire after their ttl', async () => {
    const a = await start('counts3', 50);
    const b = await start('counts3', 50);
    b.web.sessionStarted(b.web.get('web3')!);
    await until(a.shared.counts, 'synced', () => a.web.get('web3')!.remoteActive === 1);
    b.shared.counts.stop(); // B stops refreshing, as a crashed instance would
    const stoppedAt = Date.now();
    await until(a.shared.counts, 'synced', () => a.web.get('web3')!.remoteActive === 0, 2_000);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(150); // ttl = 5 × 50 ms, minus the last refresh's age
  });
});
