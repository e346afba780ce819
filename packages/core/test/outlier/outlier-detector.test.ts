import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidOutlierOptionError } from '../../src/errors.js';
import { channels, type EjectionEvent } from '../../src/events.js';
import { OutlierDetector, type OutlierDetectorOptions } from '../../src/outlier/index.js';
import { Pool } from '../../src/pool.js';
import type { Server } from '../../src/server.js';
import '../../src/schedulers/rr.js';

describe('OutlierDetector', () => {
  let pool: Pool;
  let detector: OutlierDetector;
  let events: EjectionEvent[];
  const onEjection = (message: unknown) => events.push(message as EjectionEvent);

  const setup = (servers: number, options: OutlierDetectorOptions = {}) => {
    pool = new Pool('web', {
      scheduler: 'rr',
      servers: Array.from({ length: servers }, (_, i) => ({
        name: `s${i}`,
        address: `127.0.0.1:${9000 + i}`,
      })),
    });
    detector = new OutlierDetector(pool, options);
    return pool.servers();
  };
  const fail = (server: Server, times: number, kind = 'connect') => {
    for (let i = 0; i < times; i++) detector.report(server, false, kind);
  };

  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
    events = [];
    channels.ejection.subscribe(onEjection);
  });
  afterEach(() => {
    detector.stop();
    pool.close();
    channels.ejection.unsubscribe(onEjection);
    vi.useRealTimers();
  });

  it('ejects after consecutiveFailures failures in a row, and a success resets the count', () => {
    const [s0, s1] = setup(4, { consecutiveFailures: 5, maxEjectionPercent: 50 });
    fail(s0!, 4);
    expect(s0!.ejected).toBe(false);
    detector.report(s0!, true);
    fail(s0!, 4);
    expect(s0!.ejected).toBe(false);
    expect(detector.status()[0]).toMatchObject({ consecutiveFailures: 4, ejections: 0 });
    fail(s0!, 1, '5xx');
    expect(s0!.ejected).toBe(true);
    expect(pool.eligibleCount).toBe(3);
    expect(events).toEqual([
      {
        pool: 'web',
        server: s0,
        ejected: true,
        durationMs: 30_000,
        reason: '5 consecutive failures (last: 5xx)',
      },
    ]);
    expect(detector.status()[0]).toEqual({
      server: 's0',
      ejected: true,
      ejections: 1,
      consecutiveFailures: 0,
      ejectedUntil: 30_000,
    });
    // Successes on other servers cost nothing and change nothing.
    detector.report(s1!, true);
    expect(detector.status()[1]).toEqual({
      server: 's1',
      ejected: false,
      ejections: 0,
      consecutiveFailures: 0,
      ejectedUntil: 0,
    });
  });

  it('ignores failures reported while the server is ejected', () => {
    const [s0] = setup(3, { consecutiveFailures: 2, maxEjectionPercent: 100 });
    fail(s0!, 2);
    fail(s0!, 10);
    expect(events).toHaveLength(1);
    expect(detector.status()[0]!.consecutiveFailures).toBe(0);
  });

  it('returns a server at the first sweep after its ejection time', async () => {
    const [s0] = setup(3, { consecutiveFailures: 1, interval: 10_000, baseEjectionTime: 25_000 });
    await vi.advanceTimersByTimeAsync(3_000);
    fail(s0!, 1);
    expect(detector.status()[0]!.ejectedUntil).toBe(28_000);
    await vi.advanceTimersByTimeAsync(29_999 - 3_000);
    expect(s0!.ejected).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s0!.ejected).toBe(false);
    expect(events.map((e) => [e.ejected, e.durationMs, e.reason])).toEqual([
      [true, 25_000, '1 consecutive failures (last: connect)'],
      [false, 0, 'ejection time elapsed'],
    ]);
  });

  it('ejects for base × ejections in a row, capped at maxEjectionTime, and decays while healthy', async () => {
    const [s0] = setup(3, {
      consecutiveFailures: 1,
      interval: 1_000,
      baseEjectionTime: 10_000,
      maxEjectionTime: 35_000,
    });
    const durations: number[] = [];
    for (let i = 0; i < 5; i++) {
      fail(s0!, 1);
      durations.push(events.at(-1)!.durationMs);
      while (s0!.ejected) await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(durations).toEqual([10_000, 20_000, 30_000, 35_000, 35_000]);
    expect(detector.status()[0]!.ejections).toBe(5);
    // Healthy for two sweep periods: two steps down.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(detector.status()[0]!.ejections).toBe(3);
    fail(s0!, 1);
    expect(events.at(-1)!.durationMs).toBe(35_000);
    while (s0!.ejected) await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(detector.status()[0]!.ejections).toBe(0);
    fail(s0!, 1);
    expect(events.at(-1)!.durationMs).toBe(10_000);
  });

  it('never ejects beyond maxEjectionPercent', () => {
    const servers = setup(10, { consecutiveFailures: 1, maxEjectionPercent: 20 });
    for (const s of servers) fail(s, 1);
    expect(servers.filter((s) => s.ejected).map((s) => s.name)).toEqual(['s0', 's1']);
    expect(pool.eligibleCount).toBe(8);
  });

  it('always allows one ejection when the percent is above 0 (Envoy), none at 0, never in a pool of one', () => {
    let servers = setup(3, { consecutiveFailures: 1 });
    for (const s of servers) fail(s, 1);
    expect(servers.map((s) => s.ejected)).toEqual([true, false, false]);
    detector.stop();
    pool.close();

    servers = setup(3, { consecutiveFailures: 1, maxEjectionPercent: 0 });
    for (const s of servers) fail(s, 1);
    expect(servers.some((s) => s.ejected)).toBe(false);
    detector.stop();
    pool.close();

    servers = setup(1, { consecutiveFailures: 1, maxEjectionPercent: 100 });
    fail(servers[0]!, 5);
    expect(servers[0]!.ejected).toBe(false);
  });

  it('lets a refused server try again after another run of failures once room frees up', async () => {
    const [s0, s1] = setup(2, { consecutiveFailures: 2, maxEjectionPercent: 50, interval: 1_000 });
    fail(s0!, 2);
    fail(s1!, 2);
    expect([s0!.ejected, s1!.ejected]).toEqual([true, false]);
    expect(detector.status()[1]!.consecutiveFailures).toBe(0);
    await vi.advanceTimersByTimeAsync(31_000);
    expect(s0!.ejected).toBe(false);
    fail(s1!, 2);
    expect(s1!.ejected).toBe(true);
  });

  it('returns an ejected server early when an active health check passes', () => {
    const [s0, s1] = setup(3, { consecutiveFailures: 1 });
    detector.onActivePass(s1!);
    expect(events).toHaveLength(0);
    fail(s0!, 1);
    detector.onActivePass(s0!);
    expect(s0!.ejected).toBe(false);
    expect(events.at(-1)).toMatchObject({ ejected: false, reason: 'active health check passed' });
    // The ejection still counts for the next one.
    fail(s0!, 1);
    expect(events.at(-1)!.durationMs).toBe(60_000);
  });

  it('stop() returns the servers it ejected unless told not to, and ignores reports afterwards', () => {
    const [s0, s1] = setup(4, { consecutiveFailures: 1, maxEjectionPercent: 50 });
    fail(s0!, 1);
    fail(s1!, 1);
    expect(pool.eligibleCount).toBe(2);
    detector.stop();
    expect([s0!.ejected, s1!.ejected]).toEqual([false, false]);
    fail(s0!, 3);
    expect(s0!.ejected).toBe(false);

    const other = new OutlierDetector(pool, { consecutiveFailures: 1, maxEjectionPercent: 50 });
    other.report(s0!, false);
    other.stop({ restore: false });
    expect(s0!.ejected).toBe(true);
  });

  it('keeps its timer unref’d and idle when nothing is ejected', async () => {
    const [s0] = setup(3, { consecutiveFailures: 1, interval: 1_000, baseEjectionTime: 1_000 });
    expect(vi.getTimerCount()).toBe(0);
    fail(s0!, 1);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(s0!.ejected).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('validates its options and documents its defaults', () => {
    setup(2);
    expect(detector).toMatchObject({
      consecutiveFailures: 5,
      baseEjectionTime: 30_000,
      maxEjectionTime: 300_000,
      maxEjectionPercent: 10,
      interval: 10_000,
    });
    expect(
      new OutlierDetector(pool, { baseEjectionTime: 60_000, maxEjectionTime: 1_000 }).maxEjectionTime,
    ).toBe(60_000);
    for (const bad of [
      { consecutiveFailures: 0 },
      { consecutiveFailures: 1.5 },
      { baseEjectionTime: -1 },
      { interval: 0 },
      { maxEjectionPercent: 101 },
    ]) {
      expect(() => new OutlierDetector(pool, bad)).toThrow(InvalidOutlierOptionError);
    }
  });
});
