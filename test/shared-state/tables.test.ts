import { type RedisInstance, startRedis } from '@lvs7/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Node, nextEvent, startNode } from './helpers.js';

const TABLE = { ttlMs: 60_000, maxEntries: 1_000 };

describe('shared tables through a real Redis', () => {
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

  const start = async (scheduler?: string) => {
    const node = await startNode(redis.url, scheduler ? { scheduler } : {});
    nodes.push(node);
    return node;
  };

  it('a key set on A is read on B and C once the pub/sub message arrives', async () => {
    const [a, b, c] = [await start(), await start(), await start()];
    const tables = [a, b, c].map((n) => n.shared.store.table('sticky', TABLE));
    const onB = nextEvent(b.shared.store, 'update', (_t: string, key: string) => key === 'cookie-1');
    const onC = nextEvent(c.shared.store, 'update', (_t: string, key: string) => key === 'cookie-1');
    tables[0]!.set('cookie-1', 'web2');
    await Promise.all([onB, onC]);
    expect(tables[1]!.get('cookie-1')).toBe('web2');
    expect(tables[2]!.get('cookie-1')).toBe('web2');

    const deleted = nextEvent(a.shared.store, 'update', (_t: string, key: string) => key === 'cookie-1');
    tables[2]!.delete('cookie-1');
    await deleted;
    expect(tables[0]!.get('cookie-1')).toBeUndefined();
  });

  it('two instances send the same lblc key to the same server', async () => {
    const [a, b] = [await start('lblc'), await start('lblc')];
    for (let i = 0; i < 20; i++) {
      const key = `client-${i}`;
      const arrived = nextEvent(b.shared.store, 'update', (_t: string, k: string) => k === key);
      const server = a.web.pick({ key });
      a.web.sessionStarted(server!); // lblc spreads by active count: vary the load
      await arrived;
      expect(b.web.pick({ key })?.name).toBe(server!.name);
    }
  });

  it('instances that set one key at the same moment converge on one value', async () => {
    const [a, b] = [await start(), await start()];
    const ta = a.shared.store.table('race', TABLE);
    const tb = b.shared.store.table('race', TABLE);
    ta.set('k', 'web1');
    tb.set('k', 'web2');
    // Messages from one publisher arrive in order: a marker after the write proves it was handled.
    const markerOnB = nextEvent(b.shared.store, 'update', (_t: string, k: string) => k === 'marker-a');
    const markerOnA = nextEvent(a.shared.store, 'update', (_t: string, k: string) => k === 'marker-b');
    ta.set('marker-a', 'x');
    tb.set('marker-b', 'x');
    await Promise.all([markerOnA, markerOnB]);
    expect(ta.get('k')).toBeDefined();
    expect(ta.get('k')).toBe(tb.get('k'));
  });

  it('a new instance loads the tables from Redis when it starts', async () => {
    const a = await start();
    const table = a.shared.store.table('placements', TABLE);
    for (let i = 0; i < 50; i++) table.set(`user${i}@example.org`, `imap${i % 2}`);
    await a.shared.store.flush();

    const c = await start();
    const loaded = nextEvent(c.shared.store, 'loaded', (name: string) => name === 'placements');
    const view = c.shared.store.table('placements', TABLE);
    const [, count] = await loaded;
    expect(count).toBe(50);
    expect(view.get('user7@example.org')).toBe('imap1');
  });

  it('loads at most maxEntries keys into a view', async () => {
    const a = await start();
    const table = a.shared.store.table('bounded', TABLE);
    for (let i = 0; i < 300; i++) table.set(`k${i}`, 'v');
    await a.shared.store.flush();
    const c = await start();
    const loaded = nextEvent(c.shared.store, 'loaded', (name: string) => name === 'bounded');
    const view = c.shared.store.table('bounded', { ttlMs: 60_000, maxEntries: 100 });
    const [, count] = await loaded;
    expect(count).toBe(100);
    expect(view.size).toBe(100);
  });
});
