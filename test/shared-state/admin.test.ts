import { type AdminChange, applyAdminChange } from '@lvs7/shared-state';
import { type RedisInstance, startRedis } from '@lvs7/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Node, nextEvent, startNode } from './helpers.js';

describe('admin changes shared through a real Redis', () => {
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

  /** An instance that applies remote changes to its pools, as the Instance does. */
  const start = async (cluster: string) => {
    const node = await startNode(redis.url, { cluster });
    node.shared.admin.on('change', (change) => void applyAdminChange(node.pools.get(change.pool)!, change));
    for (const change of await node.shared.admin.load()) void applyAdminChange(node.web, change);
    nodes.push(node);
    return node;
  };

  /** What the Instance's admin API does: change its own pool, then share the change. */
  const change = (node: Node, c: AdminChange) => {
    void applyAdminChange(node.web, c);
    node.shared.admin.publish(c);
  };

  it('a change on one instance is applied on the others within a second, and not echoed back', async () => {
    const [a, b, c] = [await start('admin1'), await start('admin1'), await start('admin1')];
    const echoes: AdminChange[] = [];
    a.shared.admin.on('change', (x) => echoes.push(x));
    const started = Date.now();
    const onB = nextEvent(b.shared.admin, 'change');
    const onC = nextEvent(c.shared.admin, 'change');
    change(a, { type: 'patch', pool: 'web', server: 'web1', weight: 7, state: 'drain' });
    await Promise.all([onB, onC]);
    expect(Date.now() - started).toBeLessThan(1_000);
    for (const node of [b, c]) {
      expect(node.web.get('web1')).toMatchObject({ configuredWeight: 7, state: 'drain' });
    }

    const added = [nextEvent(b.shared.admin, 'change'), nextEvent(a.shared.admin, 'change')];
    change(c, { type: 'add', pool: 'web', spec: { name: 'web4', address: '127.0.0.1:10004', weight: 2 } });
    await Promise.all(added);
    expect(b.web.get('web4')?.address).toBe('127.0.0.1:10004');
    expect(a.web.get('web4')?.configuredWeight).toBe(2);

    const removed = nextEvent(a.shared.admin, 'change', (x: AdminChange) => x.type === 'remove');
    change(b, { type: 'remove', pool: 'web', server: 'web3' });
    await removed;
    expect(a.web.get('web3')).toBeUndefined();
    expect(echoes.every((x) => x.type !== 'patch')).toBe(true);
  });

  it('a new instance starts from the stored changes, patches folded into added servers', async () => {
    const a = await start('admin2');
    const b = await start('admin2');
    const seen = nextEvent(
      b.shared.admin,
      'change',
      (x: AdminChange) => x.type === 'patch' && x.server === 'web5',
    );
    change(a, { type: 'add', pool: 'web', spec: { name: 'web5', address: '127.0.0.1:10005' } });
    change(a, { type: 'patch', pool: 'web', server: 'web5', state: 'maint' });
    change(a, { type: 'patch', pool: 'web', server: 'web2', weight: 3 });
    change(a, { type: 'patch', pool: 'web', server: 'web2', state: 'drain' });
    change(a, { type: 'remove', pool: 'web', server: 'web1' });
    await a.shared.admin.flush();
    await seen;

    const fresh = await start('admin2');
    const stored = await fresh.shared.admin.load();
    expect(stored).toHaveLength(3);
    expect(stored).toContainEqual({
      type: 'add',
      pool: 'web',
      spec: { name: 'web5', address: '127.0.0.1:10005', state: 'maint' },
    });
    expect(stored).toContainEqual({ type: 'patch', pool: 'web', server: 'web2', weight: 3, state: 'drain' });
    expect(stored).toContainEqual({ type: 'remove', pool: 'web', server: 'web1' });
    expect(fresh.web.get('web1')).toBeUndefined();
    expect(fresh.web.get('web2')).toMatchObject({ configuredWeight: 3, state: 'drain' });
    expect(fresh.web.get('web5')?.state).toBe('maint');

    await fresh.shared.admin.forget('web');
    expect(await fresh.shared.admin.load()).toEqual([]);
  });
});
