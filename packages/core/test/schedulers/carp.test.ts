import { describe, expect, it } from 'vitest';
import { createScheduler, schedulerInfo } from '../../src/index.js';
import {
  CarpScheduler,
  carpCombinedHash,
  carpKeyHash,
  carpMemberHash,
  carpMultipliers,
} from '../../src/schedulers/carp.js';
import { seeded, server, type TestServer, tally, weighted } from './helpers.js';

const keys = (n: number) => Array.from({ length: n }, (_, i) => `http://origin.example/object/${i}`);
const members = (weights: readonly number[]) => weights.map((w, i) => server(`cache${i + 1}.lvs7.test`, w));

// Read from Debian's Squid 5.7 with four `cache_peer ... parent ... carp`
// lines (name=alpha weight=1, beta 2, gamma 3, cache-delta.example 10): its
// cache manager page `carp` and cache.log with debug_options 39,3.
const SQUID = {
  names: ['alpha', 'beta', 'gamma', 'cache-delta.example'],
  weights: [1, 2, 3, 10],
  hashes: [0xf2c69b1e, 0x1514511f, 0x6c9470bd, 0x2ac50b3d],
  factors: [0.0625, 0.125, 0.1875, 0.625],
  // biome-ignore lint/suspicious/noApproximativeNumericConstant: as Squid printed it ((4 × 1/16)^(1/4) = √½)
  multipliers: [0.707107, 0.852114, 0.966206, 1.7177],
  // combined_hash Squid logged for each member, in its (weight) order.
  combined: {
    'http://example.com/a': [1834158031, 4237735375, 3847929501, 1137742507],
    'http://example.com/b': [3876464805, 2119584680, 4019014813, 4274756115],
  } as Record<string, number[]>,
};

describe('carp: the hash functions and load factors match Squid', () => {
  it('member hashes', () => {
    expect(SQUID.names.map(carpMemberHash)).toEqual(SQUID.hashes);
  });

  it('load factors and multipliers', () => {
    const { factors, multipliers } = carpMultipliers(SQUID.weights);
    expect(factors).toEqual(SQUID.factors);
    for (const [i, m] of multipliers.entries()) expect(m).toBeCloseTo(SQUID.multipliers[i]!, 5);
  });

  it('combined hashes (Squid accumulates the key hash over members; lvs7 hashes it once)', () => {
    for (const [url, expected] of Object.entries(SQUID.combined)) {
      let squidKeyHash = 0;
      const combined = SQUID.hashes.map((memberHash) => {
        squidKeyHash = carpKeyHash(url, squidKeyHash);
        return carpCombinedHash(squidKeyHash, memberHash);
      });
      expect(combined).toEqual(expected);
      // The first member sees the plain key hash: the draft's value.
      expect(carpCombinedHash(carpKeyHash(url), SQUID.hashes[0]!)).toBe(expected[0]);
    }
  });

  it('equal weights give every member a multiplier of 1', () => {
    const { multipliers } = carpMultipliers([5, 5, 5, 5]);
    for (const m of multipliers) expect(m).toBeCloseTo(1, 12);
  });

  it('a weight under 0.1% of the total gets nothing, without dividing by zero', () => {
    const { factors, multipliers } = carpMultipliers([1, 256, 256, 256]);
    expect(factors[0]).toBeGreaterThan(0);
    const tiny = carpMultipliers([1, ...new Array<number>(8).fill(256)]);
    expect(tiny.factors[0]).toBe(0);
    expect(tiny.multipliers[0]).toBe(0);
    for (const m of [...multipliers, ...tiny.multipliers]) expect(Number.isFinite(m)).toBe(true);
  });
});

describe('carp scheduler', () => {
  it('is registered as a hashing scheduler', () => {
    expect(schedulerInfo('carp')).toMatchObject({ name: 'carp', hashing: true });
    expect(createScheduler('carp').name).toBe('carp');
  });

  it('picks the member with the highest score (weighted combined hash)', () => {
    const servers = SQUID.names.map((name, i) => server(name, SQUID.weights[i]));
    const carp = new CarpScheduler();
    const { multipliers } = carpMultipliers(SQUID.weights);
    for (const key of keys(500)) {
      const scores = SQUID.hashes.map((h, i) => carpCombinedHash(carpKeyHash(key), h) * multipliers[i]!);
      const best = scores.indexOf(Math.max(...scores));
      expect(carp.pick(servers, { key })?.name).toBe(SQUID.names[best]);
    }
  });

  it('the multipliers make shares follow the weights (scores of a uniform hash)', () => {
    const weights = [1, 2, 3, 4];
    const { multipliers } = carpMultipliers(weights);
    const random = seeded(7);
    const counts = [0, 0, 0, 0];
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestScore = -1;
      multipliers.forEach((m, j) => {
        const score = random() * 2 ** 32 * m;
        if (score > bestScore) [best, bestScore] = [j, score];
      });
      counts[best]!++;
    }
    for (const [j, c] of counts.entries()) expect(c / n).toBeCloseTo(weights[j]! / 10, 2);
  });

  // CARP's hash is weak (a member's names differ in a byte or two), so real
  // shares stray a few percent from the weights, in Squid as here.
  it.each([[[1, 1, 1, 1, 1]], [[1, 2, 3, 4]], [[4, 4, 2, 2, 1, 1]]])(
    'spreads URLs about in proportion to the weights %j',
    (weights) => {
      const servers = members(weights);
      const carp = createScheduler('carp');
      const n = 40_000;
      const counts = tally(keys(n).map((key) => carp.pick(servers, { key })?.name));
      const total = weights.reduce((a, b) => a + b, 0);
      for (const s of servers)
        expect(Math.abs(counts.get(s.name)! / n - s.weight / total)).toBeLessThan(0.04);
    },
  );

  it('a member leaving moves only its own keys (equal weights)', () => {
    const servers = members([1, 1, 1, 1, 1]);
    const carp = createScheduler('carp');
    const before = new Map(keys(10_000).map((key) => [key, carp.pick(servers, { key })!.name]));
    const gone = 'cache3.lvs7.test';
    const without = servers.filter((s) => s.name !== gone);
    let moved = 0;
    for (const [key, name] of before) {
      const after = carp.pick(without, { key })!.name;
      if (name === gone) expect(after).not.toBe(gone);
      else if (after !== name) moved++;
    }
    expect(moved).toBe(0);
  });

  it('a member leaving moves little else with unequal weights', () => {
    const servers = members([1, 2, 3, 4, 2]);
    const carp = createScheduler('carp');
    const n = 10_000;
    const before = new Map(keys(n).map((key) => [key, carp.pick(servers, { key })!.name]));
    const gone = 'cache2.lvs7.test';
    const without = servers.filter((s) => s.name !== gone);
    let others = 0;
    for (const [key, name] of before) {
      if (name !== gone && carp.pick(without, { key })!.name !== name) others++;
    }
    // The remaining members' multipliers shift a little when one leaves.
    expect(others / n).toBeLessThan(0.05);
  });

  it('is independent of list order, honours exclude, and answers nothing when all are excluded', () => {
    const servers: TestServer[] = weighted(2, 1, 3, 1);
    const reversed = [...servers].reverse();
    const one = createScheduler('carp');
    const two = createScheduler('carp');
    for (const key of keys(300)) {
      const home = one.pick(servers, { key })!;
      expect(two.pick(reversed, { key })).toBe(home);
      const next = one.pick(servers, { key, exclude: new Set([home]) });
      expect(next).toBeDefined();
      expect(next).not.toBe(home);
    }
    expect(one.pick(servers, { key: 'k', exclude: new Set(servers) })).toBeUndefined();
    expect(one.pick([], { key: 'k' })).toBeUndefined();
  });

  it('falls back to the client address without a key', () => {
    const servers = weighted(1, 1, 1);
    const carp = createScheduler('carp');
    expect(carp.pick(servers, { clientAddress: '10.0.0.7' })).toBe(carp.pick(servers, { key: '10.0.0.7' }));
  });
});
