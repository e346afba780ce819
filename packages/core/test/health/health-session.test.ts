import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HealthCheckFailedError, InvalidHealthCheckOptionError } from '../../src/errors.js';
import { channels, type HealthEvent } from '../../src/events.js';
import {
  type HealthCheckEvent,
  type HealthCheckResult,
  type HealthProbe,
  HealthSession,
  type HealthSessionHooks,
  type HealthSessionOptions,
  healthCheckChannel,
  resolveHealthSessionOptions,
} from '../../src/health/index.js';
import { Pool } from '../../src/pool.js';
import '../../src/schedulers/rr.js';

type Behavior = (n: number, signal: AbortSignal) => Promise<string | undefined | HealthCheckResult>;

/** A probe driven by the test: records when it was called and how many checks overlapped. */
class ScriptedProbe implements HealthProbe {
  readonly calls: { at: number; signal: AbortSignal }[] = [];
  active = 0;
  maxActive = 0;
  up = true;
  constructor(
    public behavior: Behavior = async () =>
      this.up ? 'ok' : Promise.reject(new HealthCheckFailedError('down')),
  ) {}
  async check(_target: unknown, signal: AbortSignal) {
    this.calls.push({ at: Date.now(), signal });
    this.maxActive = Math.max(this.maxActive, ++this.active);
    try {
      return await this.behavior(this.calls.length, signal);
    } finally {
      this.active--;
    }
  }
  get times(): number[] {
    return this.calls.map((c) => c.at);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('HealthSession', () => {
  let pool: Pool;
  const sessions: HealthSession[] = [];
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
    pool = new Pool('web', {
      scheduler: 'rr',
      servers: Array.from({ length: 3 }, (_, i) => ({ name: `s${i}`, address: `127.0.0.1:${8000 + i}` })),
    });
  });
  afterEach(() => {
    for (const s of sessions.splice(0)) s.stop();
    pool.close();
    vi.useRealTimers();
  });
  const session = (
    probe: HealthProbe,
    options: HealthSessionOptions = {},
    hooks: HealthSessionHooks = {},
    i = 0,
  ) => {
    const s = new HealthSession(
      pool,
      pool.servers()[i]!,
      probe,
      { jitter: 0, interval: 1000, ...options },
      hooks,
    );
    sessions.push(s);
    return s.start();
  };

  it('marks the server down after `fall` failures and up after `rise` passes', async () => {
    const probe = new ScriptedProbe();
    const server = pool.servers()[0]!;
    const events: HealthEvent[] = [];
    const onHealth = (m: unknown) => events.push(m as HealthEvent);
    channels.health.subscribe(onHealth);
    try {
      session(probe, { rise: 2, fall: 3 });
      await vi.advanceTimersByTimeAsync(0);
      expect(server.lastCheck).toEqual({ at: 0, ok: true, message: 'ok' });
      probe.up = false;
      await vi.advanceTimersByTimeAsync(2000);
      expect(server.healthy).toBe(true);
      expect(server.lastCheck).toEqual({ at: 2000, ok: false, message: 'down' });
      await vi.advanceTimersByTimeAsync(1000);
      expect(server.healthy).toBe(false);
      expect(pool.eligibleCount).toBe(2);
      probe.up = true;
      await vi.advanceTimersByTimeAsync(1000);
      expect(server.healthy).toBe(false);
      await vi.advanceTimersByTimeAsync(1000);
      expect(server.healthy).toBe(true);
      expect(events.map((e) => [e.server.name, e.healthy, e.message])).toEqual([
        ['s0', false, 'down'],
        ['s0', true, 'ok'],
      ]);
    } finally {
      channels.health.unsubscribe(onHealth);
    }
  });

  it('needs consecutive results: a pass resets the failure count', async () => {
    const script = [true, false, false, true, false, false, false];
    const probe = new ScriptedProbe(async (n) => {
      if (script[n - 1]) return 'ok';
      throw new HealthCheckFailedError('bad');
    });
    const s = session(probe, { fall: 3 });
    const server = pool.servers()[0]!;
    await vi.advanceTimersByTimeAsync(5000);
    expect(probe.calls).toHaveLength(6);
    expect(server.healthy).toBe(true);
    expect(s.consecutiveFailures).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.healthy).toBe(false);
  });

  it('uses fastInterval while a transition is pending and downInterval while down', async () => {
    const script = [true, false, false, true, true, true];
    const probe = new ScriptedProbe(async (n) => {
      if (script[n - 1]) return 'ok';
      throw new HealthCheckFailedError('bad');
    });
    session(probe, { fastInterval: 100, downInterval: 5000, rise: 2, fall: 2 });
    await vi.advanceTimersByTimeAsync(8000);
    expect(probe.times.slice(0, 6)).toEqual([0, 1000, 1100, 6100, 6200, 7200]);
  });

  it('starts from the current verdict: a server already down needs `rise` passes', async () => {
    const server = pool.servers()[0]!;
    pool.setHealthy(server, false, 'before');
    session(new ScriptedProbe(), { rise: 3 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.healthy).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.healthy).toBe(true);
  });

  it('spreads first checks over one interval and jitters the following ones', async () => {
    const probes = Array.from({ length: 3 }, () => new ScriptedProbe());
    probes.forEach((probe, i) => {
      session(probe, { jitter: 10, interval: 1000 }, {}, i);
    });
    const many = Array.from({ length: 40 }, () => {
      const probe = new ScriptedProbe();
      session(probe, { jitter: 10, interval: 1000 }, {}, 1);
      return probe;
    });
    await vi.advanceTimersByTimeAsync(20_000);
    const firsts = [...probes, ...many].map((p) => p.times[0]!);
    for (const t of firsts) expect(t).toBeGreaterThanOrEqual(0);
    for (const t of firsts) expect(t).toBeLessThan(1000);
    expect(new Set(firsts).size).toBeGreaterThan(30);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(500);
    const gaps = many.flatMap((p) => p.times.slice(1).map((t, i) => t - p.times[i]!));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(900);
    for (const gap of gaps) expect(gap).toBeLessThanOrEqual(1100);
    expect(new Set(gaps).size).toBeGreaterThan(10);

    const fixed = new ScriptedProbe();
    session(fixed, { jitter: 10, random: () => 0.25 }, {}, 2);
    const immediate = new ScriptedProbe();
    session(immediate, { jitter: 0 }, {}, 2);
    const start = Date.now();
    await vi.advanceTimersByTimeAsync(2000);
    expect(fixed.times.map((t) => t - start)).toEqual([250, 1200]);
    expect(immediate.times.map((t) => t - start)).toEqual([0, 1000, 2000]);
  });

  it('never overlaps checks: the next one waits for a slow server', async () => {
    const probe = new ScriptedProbe(async () => {
      await sleep(2500);
      return 'slow';
    });
    session(probe, { timeout: 10_000 });
    await vi.advanceTimersByTimeAsync(12_000);
    expect(probe.maxActive).toBe(1);
    expect(probe.times).toEqual([0, 3500, 7000, 10_500]);
  });

  it('fails a check at the timeout, aborting the probe (even one that ignores the signal)', async () => {
    const polite = new ScriptedProbe(
      (_n, signal) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );
    const rude = new ScriptedProbe(() => new Promise(() => {}));
    const a = session(polite, { timeout: 300, fall: 1 }, {}, 0);
    const b = session(rude, { timeout: 300, fall: 1 }, {}, 1);
    await vi.advanceTimersByTimeAsync(299);
    expect(a.checking).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    for (const [s, probe] of [
      [a, polite],
      [b, rude],
    ] as const) {
      expect(probe.calls[0]!.signal.aborted).toBe(true);
      expect(s.checking).toBe(false);
      expect(s.server.healthy).toBe(false);
      expect(s.server.lastCheck).toEqual({ at: 300, ok: false, message: 'timeout after 300 ms' });
    }
    await vi.advanceTimersByTimeAsync(1000);
    expect(rude.calls).toHaveLength(2);
  });

  it('stop() aborts the check in flight, ignores its result and schedules nothing', async () => {
    const probe = new ScriptedProbe(async (_n, signal) => {
      await sleep(500);
      return signal.aborted ? 'late' : 'ok';
    });
    const s = session(probe, { timeout: 5000, fall: 1 });
    await vi.advanceTimersByTimeAsync(100);
    expect(s.checking).toBe(true);
    s.stop();
    expect(probe.calls[0]!.signal.aborted).toBe(true);
    expect(s.running).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(probe.calls).toHaveLength(1);
    expect(s.server.lastCheck).toBeUndefined();
    expect(s.server.healthy).toBe(true);
  });

  it('calls onPass on passes, onAgentHint with hints, onResult always, and survives a throwing hook', async () => {
    const results = [{ message: 'agent: drain 50%', state: 'drain', weightPercent: 50 } as const, 'plain'];
    const probe = new ScriptedProbe(async (n) => {
      if (n === 3) throw new HealthCheckFailedError('nope');
      return results[n - 1];
    });
    const passes: string[] = [];
    const hints: unknown[] = [];
    const records: [boolean, string][] = [];
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    session(
      probe,
      {},
      {
        onPass: (server) => {
          passes.push(server.name);
          if (passes.length === 1) throw new Error('hook bug');
        },
        onAgentHint: (_server, hint) => hints.push(hint),
        onResult: (_server, r) => records.push([r.ok, r.message]),
      },
    );
    await vi.advanceTimersByTimeAsync(3000);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('hook bug'));
    warn.mockRestore();
    expect(passes).toEqual(['s0', 's0', 's0']);
    expect(hints).toEqual([{ state: 'drain', weightPercent: 50 }]);
    expect(records).toEqual([
      [true, 'agent: drain 50%'],
      [true, 'plain'],
      [false, 'nope'],
      [true, 'passed'],
    ]);
  });

  it('publishes every result on lvs7:health:check, and checkNow() joins the check in flight', async () => {
    const events: HealthCheckEvent[] = [];
    const onCheck = (m: unknown) => events.push(m as HealthCheckEvent);
    healthCheckChannel.subscribe(onCheck);
    try {
      const probe = new ScriptedProbe(async () => {
        await sleep(50);
        return 'ok';
      });
      const s = session(probe, { interval: 10_000 });
      await vi.advanceTimersByTimeAsync(10);
      const joined = s.checkNow();
      expect(probe.calls).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(40);
      await expect(joined).resolves.toEqual({ at: 50, ok: true, message: 'ok', durationMs: 50 });
      const now = s.checkNow();
      await vi.advanceTimersByTimeAsync(50);
      await now;
      expect(probe.times).toEqual([0, 50]);
      expect(events.map((e) => [e.pool, e.server.name, e.ok, e.durationMs])).toEqual([
        ['web', 's0', true, 50],
        ['web', 's0', true, 50],
      ]);
    } finally {
      healthCheckChannel.unsubscribe(onCheck);
    }
  });

  it('checkNow() on a session never started checks once and schedules nothing', async () => {
    const probe = new ScriptedProbe();
    const s = new HealthSession(pool, pool.servers()[0]!, probe, { interval: 100 });
    sessions.push(s);
    await expect(s.checkNow()).resolves.toMatchObject({ ok: true, message: 'ok' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(probe.calls).toHaveLength(1);
    expect(s.running).toBe(false);
  });

  it('resolves defaults and rejects bad options', () => {
    const resolved = resolveHealthSessionOptions({});
    expect({ ...resolved, random: undefined, now: undefined }).toEqual({
      interval: 2000,
      timeout: 2000,
      rise: 2,
      fall: 3,
      fastInterval: 2000,
      downInterval: 2000,
      jitter: 10,
      random: undefined,
      now: undefined,
    });
    expect(resolveHealthSessionOptions({ interval: 500 })).toMatchObject({ timeout: 500, fastInterval: 500 });
    for (const bad of [
      { rise: 0 },
      { fall: 1.5 },
      { interval: -1 },
      { timeout: 0 },
      { jitter: 150 },
      { jitter: -1 },
    ]) {
      expect(() => resolveHealthSessionOptions(bad, 'http')).toThrow(InvalidHealthCheckOptionError);
    }
  });
});
