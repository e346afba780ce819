import { describe, expect, it } from 'vitest';
import { OverflowController } from '../src/overflow-controller.js';
import type { PeerReport } from '../src/peer-report.js';

const NOW = 1_000_000;
const OPTIONS = {
  above: 1.1,
  peerBelow: 0.7,
  hysteresis: 0.1,
  maxStep: 0.2,
  maxShare: 0.9,
  staleAfterMs: 3_000,
  now: () => NOW,
};

function peer(name: string, load: number, extra: Partial<PeerReport> = {}): PeerReport {
  return {
    name,
    address: `10.77.${name.length}.2`,
    load,
    capacity: 400,
    announcing: true,
    lastSeen: NOW - 500,
    error: undefined,
    ...extra,
  };
}

/** Local load measured after forwarding `share` of a demand D: D × (1 − share). */
function run(c: OverflowController, demands: number[], peers: PeerReport[], capacity = 400) {
  const trace: Array<{ active: boolean; share: number; load: number }> = [];
  for (const demand of demands) {
    const load = demand * (1 - c.share);
    c.update({ load, capacity }, peers);
    trace.push({ active: c.active, share: c.share, load: demand * (1 - c.share) });
  }
  return trace;
}

function count(c: OverflowController, sessions: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < sessions; i++) {
    const target = c.decide();
    const key = target?.peer ?? 'local';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('OverflowController', () => {
  it('sends nothing at or below `above`', () => {
    const c = new OverflowController(OPTIONS);
    run(c, [0.5, 1.0, 1.1], [peer('siteB', 0.2)]);
    expect(c.active).toBe(false);
    expect(c.decide()).toBeUndefined();
    expect(c.reason).toBe('load 1.1 <= 1.1');
  });

  it('starts above `above` with a light peer and settles the local load at above − hysteresis', () => {
    const c = new OverflowController(OPTIONS);
    const trace = run(c, Array(12).fill(1.5), [peer('siteB', 0.2)]);
    expect(trace[0]!.active).toBe(true);
    expect(trace[0]!.share).toBeCloseTo(0.2); // limited by maxStep
    const last = trace.at(-1)!;
    expect(last.load).toBeCloseTo(1.0, 5);
    expect(last.share).toBeCloseTo(1 - 1 / 1.5, 5);
    expect(c.reason).toMatch(/^load 1\.5 > 1\.1 \(1 after overflow\); light peers: siteB at 0\.2$/);
  });

  it('does not start without a light, fresh, announcing peer', () => {
    for (const p of [
      peer('siteB', 0.75),
      peer('siteB', 0.2, { lastSeen: NOW - 3_001 }),
      peer('siteB', 0.2, { lastSeen: undefined, load: undefined }),
      peer('siteB', 0.2, { announcing: false }),
    ]) {
      const c = new OverflowController(OPTIONS);
      run(c, [2, 2, 2], [p]);
      expect(c.active).toBe(false);
      expect(c.reason).toBe('no peer below 0.7');
    }
  });

  it('does not flap while demand wanders inside the hysteresis band', () => {
    const c = new OverflowController(OPTIONS);
    run(c, [1.3, 1.3, 1.3], [peer('siteB', 0.3)]);
    expect(c.active).toBe(true);
    const wander = Array.from({ length: 200 }, (_, i) => 1.05 + 0.045 * Math.sin(i / 3));
    const trace = run(c, wander, [peer('siteB', 0.3)]);
    expect(trace.every((t) => t.active)).toBe(true);
    expect(Math.max(...trace.map((t) => t.load))).toBeLessThanOrEqual(1.1);
  });

  it('stops once demand falls below above − hysteresis, and stays off inside the band', () => {
    const c = new OverflowController(OPTIONS);
    const peers = [peer('siteB', 0.3)];
    run(c, Array(10).fill(1.4), peers);
    const trace = run(c, [0.95, 1.05, 1.09, 1.0, 1.1], peers);
    expect(trace.map((t) => t.active)).toEqual([false, false, false, false, false]);
    expect(c.share).toBe(0);
    expect(c.decide()).toBeUndefined();
    run(c, [1.11], peers);
    expect(c.active).toBe(true);
  });

  it('forwards exactly its share of new sessions, without randomness', () => {
    const c = new OverflowController({ ...OPTIONS, maxStep: 1 });
    run(c, [2], [peer('siteB', 0.2, { capacity: 4_000 })]);
    expect(c.share).toBeCloseTo(0.5, 5); // 1 − (above − hysteresis) / demand
    const counts = count(c, 10_000);
    expect(counts.get('siteB')! / 10_000).toBeCloseTo(c.share, 3);
  });

  it('splits in proportion to the peers’ spare capacity', () => {
    const c = new OverflowController({ ...OPTIONS, maxStep: 1 });
    // Spare up to peerBelow + hysteresis (0.8): siteB 0.6 × 400 = 240, siteCC 0.3 × 400 = 120, siteDDD 0.6 × 200 = 120.
    run(c, [1.6], [peer('siteB', 0.2), peer('siteCC', 0.5), peer('siteDDD', 0.2, { capacity: 200 })]);
    const counts = count(c, 40_000);
    const forwarded = 40_000 - (counts.get('local') ?? 0);
    expect(counts.get('siteB')! / forwarded).toBeCloseTo(0.5, 2);
    expect(counts.get('siteCC')! / forwarded).toBeCloseTo(0.25, 2);
    expect(counts.get('siteDDD')! / forwarded).toBeCloseTo(0.25, 2);
    const stats = c.stats();
    expect(stats.peers.map((p) => [p.peer, p.weight, p.forwarded])).toEqual([
      ['siteB', 0.5, counts.get('siteB')],
      ['siteCC', 0.25, counts.get('siteCC')],
      ['siteDDD', 0.25, counts.get('siteDDD')],
    ]);
  });

  it('never plans more than the light peers can take', () => {
    const c = new OverflowController({ ...OPTIONS, maxStep: 1 });
    // Demand 2 × 1000 sessions; siteB can take (0.8 − 0.6) × 100 = 20 more sessions.
    run(c, [2], [peer('siteB', 0.6, { capacity: 100 })], 1_000);
    expect(c.share).toBeCloseTo(20 / 2_000, 6);
  });

  it('keeps a peer that was light until it passes peerBelow + hysteresis', () => {
    const c = new OverflowController(OPTIONS);
    run(c, [1.5], [peer('siteB', 0.65)]);
    expect(c.stats().peers[0]!.eligible).toBe(true);
    run(c, [1.5], [peer('siteB', 0.75)]);
    expect(c.stats().peers[0]!.eligible).toBe(true);
    run(c, [1.5], [peer('siteB', 0.81)]);
    expect(c.stats().peers[0]!.eligible).toBe(false);
    expect(c.active).toBe(false);
    run(c, [1.5], [peer('siteB', 0.75)]);
    expect(c.active).toBe(false);
  });

  it('answers with the same frozen target object every time (no allocation per decision)', () => {
    const c = new OverflowController({ ...OPTIONS, maxStep: 1 });
    run(c, [3], [peer('siteB', 0)]);
    const seen = new Set<unknown>();
    for (let i = 0; i < 100; i++) {
      const t = c.decide();
      if (t) seen.add(t);
    }
    expect(seen.size).toBe(1);
    const [target] = seen as Set<{ peer: string; address: string }>;
    expect(target).toEqual({ peer: 'siteB', address: '10.77.5.2' });
    expect(Object.isFrozen(target)).toBe(true);
  });
});
