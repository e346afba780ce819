import diagnosticsChannel from 'node:diagnostics_channel';
import { type HealthEvent, HealthMonitor, type Server } from '@lvs7/core';
import type { HealthMode } from '@lvs7/shared-state';
import { type RedisInstance, startRedis, waitFor } from '@lvs7/testkit';
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

  /** One instance with real health sessions: a probe that fails for the servers named in `failing`. */
  interface Checked {
    readonly node: Node;
    readonly monitor: HealthMonitor;
    readonly failing: Set<string>;
    /** lvs7:health transitions of this instance's servers: [server, healthy]. */
    readonly transitions: [string, boolean][];
  }
  const checkedNodes: Checked[] = [];
  const onTransition = (m: unknown) => {
    const e = m as HealthEvent;
    for (const c of checkedNodes)
      if (c.node.web.get(e.server.name) === e.server) c.transitions.push([e.server.name, e.healthy]);
  };
  const RISE = 2;
  const startChecked = async (name: string, mode: HealthMode, failing: string[], quorum?: number) => {
    let monitor: HealthMonitor | undefined;
    const node = await startNode(redis.url, {
      cluster: name,
      healthMode: mode,
      ...(quorum !== undefined ? { healthQuorum: quorum } : {}),
      healthSession: (_pool, server) => monitor?.session(server),
    });
    nodes.push(node);
    const down = new Set(failing);
    monitor = new HealthMonitor(node.web, {
      probe: {
        async check(target) {
          if (down.has((target as Server).name)) throw new Error('refused');
        },
      },
      interval: 20,
      rise: RISE,
      fall: 2,
      jitter: 0,
    });
    const checked: Checked = { node, monitor, failing: down, transitions: [] };
    checkedNodes.push(checked);
    monitor.start();
    return checked;
  };
  /** Resolves after `count` more check results of `server` on `c`. */
  const checks = (c: Checked, server: string, count: number) => {
    let seen = 0;
    return nextEvent(c.monitor, 'result', (s: Server) => s.name === server && ++seen >= count, 15_000);
  };
  const stopChecked = () => {
    for (const c of checkedNodes.splice(0)) c.monitor.stop({ restore: false });
  };

  describe('real health checks', () => {
    beforeAll(() => diagnosticsChannel.subscribe('lvs7:health', onTransition));
    afterAll(() => diagnosticsChannel.unsubscribe('lvs7:health', onTransition));
    afterEach(stopChecked);

    it('any, two instances: one sees a server down → down on both, one down event each, no flapping over many rise periods', async () => {
      const name = cluster('any');
      const a = await startChecked(name, 'any', ['web1']);
      const b = await startChecked(name, 'any', []);
      await waitFor(() => !a.node.web.get('web1')!.healthy && !b.node.web.get('web1')!.healthy, {
        timeoutMs: 10_000,
        message: 'web1 down on both',
      });
      // B's own checks pass all along: ten rise periods of them, and web1 is never picked meanwhile.
      const passes = checks(b, 'web1', 10 * RISE);
      let picks = 0;
      let done = false;
      void passes.finally(() => {
        done = true;
      });
      while (!done) {
        expect(b.node.web.pick({})?.name).not.toBe('web1');
        picks++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await passes;
      expect(picks).toBeGreaterThan(50);
      for (const c of [a, b]) expect(c.transitions).toEqual([['web1', false]]);
      const status = b.monitor.status().find((st) => st.server === 'web1')!;
      expect(status).toMatchObject({
        healthy: false,
        localHealthy: true,
        held: expect.stringMatching(/any/),
      });
      expect(a.monitor.status().find((st) => st.server === 'web1')).toMatchObject({
        healthy: false,
        localHealthy: false,
      });
      // Observations are the local verdicts, never the applied one.
      expect(b.node.shared.health.observations('web', 'web1').get(b.node.shared.instanceId)).toBe(true);
      expect(a.node.shared.health.observations('web', 'web1').get(a.node.shared.instanceId)).toBe(false);

      // A recovers: up on both, one up event each, and nothing more over further rise periods.
      a.failing.clear();
      await waitFor(() => a.node.web.get('web1')!.healthy && b.node.web.get('web1')!.healthy, {
        timeoutMs: 10_000,
        message: 'web1 up on both',
      });
      await Promise.all([checks(a, 'web1', 5 * RISE), checks(b, 'web1', 5 * RISE)]);
      await nextEvent(b.node.shared.health, 'synced');
      for (const c of [a, b])
        expect(c.transitions).toEqual([
          ['web1', false],
          ['web1', true],
        ]);
      expect(b.monitor.session('web1')!.held).toBeUndefined();
    });

    it('quorum of 2, three instances: down everywhere once two see it down, one event each, up again when one recovers', async () => {
      const name = cluster('quorum');
      const a = await startChecked(name, 'quorum', ['web2'], 2);
      const b = await startChecked(name, 'quorum', [], 2);
      const c = await startChecked(name, 'quorum', [], 2);
      const all = [a, b, c];
      await Promise.all(
        all.map((n) =>
          until(
            n.node.shared.health,
            'synced',
            () => n.node.shared.health.observations('web', 'web2').size === 3,
          ),
        ),
      );
      // One instance seeing it down is not a quorum: only A's own verdict takes web2 out there.
      await until(
        c.node.shared.health,
        'synced',
        () => c.node.shared.health.observations('web', 'web2').get(a.node.shared.instanceId) === false,
        10_000,
      );
      await Promise.all([checks(b, 'web2', 5 * RISE), checks(c, 'web2', 5 * RISE)]);
      expect(all.map((n) => n.node.web.get('web2')!.healthy)).toEqual([false, true, true]);

      b.failing.add('web2');
      await waitFor(() => all.every((n) => !n.node.web.get('web2')!.healthy), {
        timeoutMs: 10_000,
        message: 'web2 down on all three',
      });
      await checks(c, 'web2', 10 * RISE);
      for (const n of all) expect(n.transitions).toEqual([['web2', false]]);
      const held = c.monitor.session('web2')!;
      expect({ localHealthy: held.localHealthy, held: held.held }).toEqual({
        localHealthy: true,
        held: expect.stringMatching(/2 of 3/),
      });

      // A recovers: only B sees it down now, below the quorum: up on A and C, B's own checks keep it down there.
      a.failing.clear();
      await waitFor(() => a.node.web.get('web2')!.healthy && c.node.web.get('web2')!.healthy, {
        timeoutMs: 10_000,
        message: 'web2 up on A and C',
      });
      await Promise.all([checks(a, 'web2', 5 * RISE), checks(c, 'web2', 5 * RISE)]);
      for (const n of [a, c])
        expect(n.transitions).toEqual([
          ['web2', false],
          ['web2', true],
        ]);
      expect(b.transitions).toEqual([['web2', false]]);
      expect(b.node.web.get('web2')!.healthy).toBe(false);
    });
  });

  it('local: observations are shared but nothing is applied', async () => {
    const [a, b] = await startAll('local', 2);
    observe(a, 'web1', false);
    await nextEvent(b.shared.health, 'synced');
    await nextEvent(b.shared.health, 'synced');
    expect(b.web.get('web1')!.healthy).toBe(true);
  });
});
