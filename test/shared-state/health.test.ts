import diagnosticsChannel from 'node:diagnostics_channel';
import { type HealthEvent, HealthMonitor, type Server } from '@lvs7/core';
import type { HealthMode } from '@lvs7/shared-state';
import { type RedisInstance, startRedis } from '@lvs7/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Node, nextEvent, startNode, until } from './helpers.js';

describe('health consensus through a real Redis', () => {
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

  const cluster = (mode: HealthMode) => `health-${mode}-${Math.random().toString(36).slice(2, 8)}`;
  const startAll = async (mode: HealthMode, count: number) => {
    const name = cluster(mode);
    const started: Node[] = [];
    for (let i = 0; i < count; i++)
      started.push(await startNode(redis.url, { cluster: name, healthMode: mode }));
    nodes.push(...started);
    // Every instance knows every other before the test starts.
    await Promise.all(
      started.map((n) =>
        until(n.shared.health, 'synced', () => n.shared.health.observations('web', 'web1').size === count),
      ),
    );
    return started;
  };
  /** What a local health check does: its verdict, through the pool. */
  const observe = (node: Node, server: string, healthy: boolean) =>
    node.web.setHealthy(node.web.get(server)!, healthy, 'local check');
  const verdict = (node: Node, server: string, healthy: boolean) =>
    nextEvent(
      node.shared.health,
      'verdict',
      (_p: string, s: Server, h: boolean) => s.name === server && h === healthy,
    );

  it('any: a server one instance sees down is down for all, and up again when it recovers', async () => {
    const [a, b, c] = await startAll('any', 3);
    const down = [verdict(b, 'web1', false), verdict(c, 'web1', false)];
    observe(a, 'web1', false);
    await Promise.all(down);
    for (const n of [a, b, c]) expect(n.web.get('web1')!.healthy).toBe(false);
    for (let i = 0; i < 20; i++) expect(b.web.pick({})?.name).not.toBe('web1');

    const up = [verdict(b, 'web1', true), verdict(c, 'web1', true)];
    observe(a, 'web1', true);
    await Promise.all(up);
    for (const n of [a, b, c]) expect(n.web.get('web1')!.healthy).toBe(true);
  });

  it('quorum: down for all only once a majority sees it down', async () => {
    const [a, b, c] = await startAll('quorum', 3);
    observe(a, 'web2', false);
    // B has A's observation (by message or exchange) and still keeps web2 up.
    await until(
      b.shared.health,
      'synced',
      () => b.shared.health.observations('web', 'web2').get(a.shared.instanceId) === false,
    );
    expect(b.shared.health.observations('web', 'web2').size).toBe(3);
    expect(b.web.get('web2')!.healthy).toBe(true);
    expect(c.web.get('web2')!.healthy).toBe(true);
    expect(a.web.get('web2')!.healthy).toBe(false); // its own checks' verdict stands

    const down = verdict(b, 'web2', false);
    observe(c, 'web2', false);
    await down;
    expect(b.web.get('web2')!.healthy).toBe(false);
    // B's own observation is still "up": the applied verdict is not published as an observation.
    expect(b.shared.health.snapshot().h.web?.web2).toBe(1);
  });

  it('does not loop: once agreed, no further transitions happen', async () => {
    const [a, b] = await startAll('any', 2);
    const down = verdict(b, 'web3', false);
    observe(a, 'web3', false);
    await down;
    const transitions: HealthEvent[] = [];
    const onHealth = (m: unknown) => transitions.push(m as HealthEvent);
    diagnosticsChannel.subscribe('lvs7:health', onHealth);
    try {
      for (let i = 0; i < 5; i++) await nextEvent(b.shared.health, 'synced');
    } finally {
      diagnosticsChannel.unsubscribe('lvs7:health', onHealth);
    }
    expect(transitions).toEqual([]);
  });

  it('real health checks: a server another instance sees down stays unpicked here although its own checks pass', async () => {
    const name = cluster('any');
    const monitors: HealthMonitor[] = [];
    const startChecked = async (failing: boolean) => {
      let monitor: HealthMonitor | undefined;
      const node = await startNode(redis.url, {
        cluster: name,
        healthMode: 'any',
        healthSession: (_pool, server) => monitor?.session(server),
      });
      nodes.push(node);
      monitor = new HealthMonitor(node.web, {
        probe: {
          async check(target) {
            if (failing && target.port === 10001) throw new Error('refused');
          },
        },
        interval: 20,
        rise: 1,
        fall: 1,
        jitter: 0,
      });
      monitors.push(monitor.start());
      return node;
    };
    try {
      const a = await startChecked(true);
      const b = await startChecked(false);
      await until(b.shared.health, 'verdict', () => b.web.get('web1')!.healthy === false);
      // For 15 check intervals B's own passing checks raise web1 and consensus puts it back at once.
      const deadline = Date.now() + 300;
      let picks = 0;
      while (Date.now() < deadline) {
        expect(b.web.pick({})?.name).not.toBe('web1');
        picks++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(picks).toBeGreaterThan(50);
      expect(b.shared.health.observations('web', 'web1').get(b.shared.instanceId)).toBe(true);
      expect(a.shared.health.observations('web', 'web1').get(a.shared.instanceId)).toBe(false);
    } finally {
      for (const monitor of monitors) monitor.stop({ restore: false });
    }
  });

  it('local: observations are shared but nothing is applied', async () => {
    const [a, b] = await startAll('local', 2);
    observe(a, 'web1', false);
    await nextEvent(b.shared.health, 'synced');
    await nextEvent(b.shared.health, 'synced');
    expect(b.web.get('web1')!.healthy).toBe(true);
  });
});
