import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HealthCheckFailedError } from '../../src/errors.js';
import { channels, type HealthEvent } from '../../src/events.js';
import {
  HealthMonitor,
  type HealthProbe,
  HealthSession,
  type LocalHealthEvent,
  localHealthChannel,
} from '../../src/health/index.js';
import { Pool } from '../../src/pool.js';
import '../../src/schedulers/rr.js';

/** A probe the test switches between passing and failing. */
class SwitchProbe implements HealthProbe {
  up = true;
  async check() {
    if (!this.up) throw new HealthCheckFailedError('refused');
    return 'ok';
  }
}

/**
 * A session held down by something else (shared-state health consensus)
 * keeps its own verdict apart from the state the pool sees: effective
 * transitions reach lvs7:health once each, local ones lvs7:health:local.
 */
describe('HealthSession local verdict and hold', () => {
  let pool: Pool;
  let effective: [string, boolean, string][];
  let local: [string, boolean, boolean][];
  const sessions: HealthSession[] = [];
  const onHealth = (m: unknown) => {
    const e = m as HealthEvent;
    if (e.pool === 'hold') effective.push([e.server.name, e.healthy, e.message]);
  };
  const onLocal = (m: unknown) => {
    const e = m as LocalHealthEvent;
    if (e.pool === 'hold') local.push([e.server.name, e.healthy, e.held]);
  };

  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
    effective = [];
    local = [];
    pool = new Pool('hold', {
      scheduler: 'rr',
      servers: [
        { name: 's0', address: '127.0.0.1:8000' },
        { name: 's1', address: '127.0.0.1:8001' },
      ],
    });
    channels.health.subscribe(onHealth);
    localHealthChannel.subscribe(onLocal);
  });
  afterEach(() => {
    for (const s of sessions.splice(0)) s.stop();
    channels.health.unsubscribe(onHealth);
    localHealthChannel.unsubscribe(onLocal);
    pool.close();
    vi.useRealTimers();
  });
  const start = (probe: HealthProbe, i = 0) => {
    const s = new HealthSession(pool, pool.servers()[i]!, probe, {
      jitter: 0,
      interval: 1000,
      rise: 2,
      fall: 2,
    });
    sessions.push(s);
    return s.start();
  };

  it('a held server whose checks pass stays down: one down event, no up/down pair per `rise`', async () => {
    const probe = new SwitchProbe();
    const s = start(probe);
    const server = s.server;
    await vi.advanceTimersByTimeAsync(0);
    s.hold('consensus: 1 of 2 instances see it down');
    expect(server.healthy).toBe(false);
    expect(pool.eligibleCount).toBe(1);
    // Ten rise periods of passing checks, and a local down/up cycle in between.
    await vi.advanceTimersByTimeAsync(10_000);
    probe.up = false;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(s.localHealthy).toBe(false);
    probe.up = true;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.healthy).toBe(false);
    expect(s.localHealthy).toBe(true);
    expect(server.localHealthy).toBe(true);
    expect(effective).toEqual([['s0', false, 'consensus: 1 of 2 instances see it down']]);
    expect(local).toEqual([
      ['s0', false, true],
      ['s0', true, true],
    ]);
    // Released: up at once, as its checks pass.
    s.release('consensus: 0 of 2 instances see it down');
    expect(server.healthy).toBe(true);
    expect(effective.at(-1)).toEqual(['s0', true, 'consensus: 0 of 2 instances see it down']);
    expect(effective).toHaveLength(2);
  });

  it('a hold on a server already down locally adds no event; released while still down, it rises on its own checks once', async () => {
    const probe = new SwitchProbe();
    probe.up = false;
    const s = start(probe);
    await vi.advanceTimersByTimeAsync(2000);
    expect(s.server.healthy).toBe(false);
    s.hold('held');
    s.hold('held again');
    s.release('released');
    expect(s.held).toBeUndefined();
    expect(s.server.healthy).toBe(false);
    probe.up = true;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.server.healthy).toBe(true);
    expect(effective.map(([, h]) => h)).toEqual([false, true]);
    expect(local.map(([, h, held]) => [h, held])).toEqual([
      [false, false],
      [true, false],
    ]);
  });

  it('release() without a hold and hold() on one server leave the others alone', async () => {
    const a = start(new SwitchProbe(), 0);
    const b = start(new SwitchProbe(), 1);
    await vi.advanceTimersByTimeAsync(0);
    a.release('nothing held');
    b.hold('held');
    await vi.advanceTimersByTimeAsync(5000);
    expect(pool.servers().map((s) => s.healthy)).toEqual([true, false]);
    expect(effective).toEqual([['s1', false, 'held']]);
  });

  it('a session replacing another (reload) carries on from the local verdict, not from the held state', async () => {
    const first = start(new SwitchProbe());
    await vi.advanceTimersByTimeAsync(0);
    first.hold('held');
    first.stop();
    const second = start(new SwitchProbe());
    expect(second.localHealthy).toBe(true);
    // Still held by its owner (consensus re-applies holds to the new session): no up event at any rise.
    second.hold('held');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(effective).toEqual([['s0', false, 'held']]);
    expect(local).toEqual([]);
  });

  it('monitor status shows both the effective state and the local verdict, and stop() clears the local one', async () => {
    const monitor = new HealthMonitor(pool, {
      probe: new SwitchProbe(),
      interval: 1000,
      jitter: 0,
      rise: 1,
      fall: 1,
    }).start();
    await vi.advanceTimersByTimeAsync(0);
    monitor.session('s1')!.hold('consensus');
    await vi.advanceTimersByTimeAsync(3000);
    expect(
      monitor
        .status()
        .map(({ server, healthy, localHealthy, held }) => ({ server, healthy, localHealthy, held })),
    ).toEqual([
      { server: 's0', healthy: true, localHealthy: true, held: undefined },
      { server: 's1', healthy: false, localHealthy: true, held: 'consensus' },
    ]);
    monitor.stop();
    expect(pool.servers().map((s) => [s.healthy, s.localHealthy])).toEqual([
      [true, undefined],
      [true, undefined],
    ]);
  });
});
