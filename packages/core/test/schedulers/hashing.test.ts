import { describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/index.js';
import { server, type TestServer, tally, weighted } from './helpers.js';

const keys = (n: number) => Array.from({ length: n }, (_, i) => `key-${i}`);

describe.each(['dh', 'sh', 'mh', 'ring', 'bounded'])('%s: common hashing behaviour', (name) => {
  it('maps a key to the same server in every instance, whatever the list order', () => {
    const servers = weighted(1, 2, 3, 1, 1);
    const reversed = [...servers].reverse();
    const one = createScheduler(name);
    const two = createScheduler(name);
    for (const key of keys(300)) {
      const ctx = { key, clientAddress: key };
      expect(two.pick(reversed, ctx)?.name).toBe(one.pick(servers, ctx)?.name);
    }
  });

  it('never returns an excluded server, and nothing when all are', () => {
    const servers = weighted(1, 1, 1, 1);
    const scheduler = createScheduler(name, { fallback: true });
    for (const key of keys(200)) {
      const home = scheduler.pick(servers, { key, clientAddress: key })!;
      const next = scheduler.pick(servers, { key, clientAddress: key, exclude: new Set([home]) });
      expect(next).toBeDefined();
      expect(next).not.toBe(home);
    }
    expect(scheduler.pick(servers, { key: 'k', exclude: new Set(servers) })).toBeUndefined();
    expect(scheduler.pick([], { key: 'k' })).toBeUndefined();
  });
});

describe('dh (ip_vs_dh)', () => {
  it('spreads keys by weight over its table', () => {
    const servers = weighted(3, 1);
    const dh = createScheduler('dh');
    const counts = tally(keys(8000).map((key) => dh.pick(servers, { key })?.name));
    expect(counts.get('a')! / 8000).toBeCloseTo(0.75, 1);
  });

  it('hashes the key, falling back to the client address', () => {
    const servers = weighted(1, 1, 1, 1, 1, 1, 1, 1);
    const dh = createScheduler('dh');
    for (const key of keys(50)) {
      expect(dh.pick(servers, { clientAddress: key })).toBe(dh.pick(servers, { key, clientAddress: 'x' }));
    }
  });
});

describe('sh (ip_vs_sh)', () => {
  const servers = (): TestServer[] => weighted(1, 1, 1, 1);

  it('hashes the client address first', () => {
    const s = servers();
    const sh = createScheduler('sh');
    for (const address of keys(50)) {
      expect(sh.pick(s, { clientAddress: address, key: 'other' })).toBe(sh.pick(s, { key: address }));
    }
  });

  it('without fallback, an excluded home means none and a full home is still returned', () => {
    const s = servers();
    const sh = createScheduler('sh');
    const home = sh.pick(s, { clientAddress: '198.51.100.7' })!;
    expect(sh.pick(s, { clientAddress: '198.51.100.7', exclude: new Set([home]) })).toBeUndefined();
    (home as TestServer).full = true;
    expect(sh.pick(s, { clientAddress: '198.51.100.7' })).toBe(home);
  });

  it('with fallback, an excluded or full home passes the client on', () => {
    const s = servers();
    const sh = createScheduler('sh', { fallback: true });
    const home = sh.pick(s, { clientAddress: '198.51.100.7' })!;
    const other = sh.pick(s, { clientAddress: '198.51.100.7', exclude: new Set([home]) });
    expect(other).toBeDefined();
    expect(other).not.toBe(home);
    (home as TestServer).full = true;
    expect(sh.pick(s, { clientAddress: '198.51.100.7' })).toBe(other); // same probe sequence
    for (const x of s) x.full = true;
    expect(sh.pick(s, { clientAddress: '198.51.100.7' })).toBeUndefined();
  });
});

describe('mh (ip_vs_mh, Maglev)', () => {
  it('requires a prime table size', () => {
    expect(() => createScheduler('mh', { tableSize: 65536 })).toThrow(RangeError);
    expect(() => createScheduler('maglev', { tableSize: 1 })).toThrow(RangeError);
    const small = createScheduler('mh', { tableSize: 251 });
    expect(small.pick(weighted(1, 1), { key: 'k' })).toBeDefined();
  });

  it('with fallback, skips full servers too', () => {
    const s = weighted(1, 1, 1);
    const plain = createScheduler('mh');
    const fallback = createScheduler('mh', { fallback: true });
    const home = plain.pick(s, { key: 'k' }) as TestServer;
    home.full = true;
    expect(plain.pick(s, { key: 'k' })).toBe(home);
    expect(fallback.pick(s, { key: 'k' })).not.toBe(home);
  });

  it('gives a server table slots in proportion to its weight', () => {
    const s = weighted(1, 2, 5);
    const mh = createScheduler('mh', { tableSize: 10007 });
    const counts = tally(keys(16000).map((key) => mh.pick(s, { key })?.name));
    expect(counts.get('c')! / 16000).toBeCloseTo(5 / 8, 1);
    expect(counts.get('a')! / 16000).toBeCloseTo(1 / 8, 1);
  });
});

describe('ring (ketama)', () => {
  it('rejects a bad pointsPerWeight', () => {
    expect(() => createScheduler('ring', { pointsPerWeight: 0 })).toThrow(RangeError);
  });

  it('moves only the keys of a removed server', () => {
    const s = weighted(1, 1, 1, 1, 1);
    const ring = createScheduler('ketama');
    const before = keys(2000).map((key) => ring.pick(s, { key })!.name);
    const fewer = s.filter((x) => x.name !== 'c');
    keys(2000).forEach((key, i) => {
      if (before[i] !== 'c') expect(ring.pick(fewer, { key })!.name).toBe(before[i]);
    });
  });

  it('a retry walks clockwise: the key lands where it would if its server were gone', () => {
    const s = weighted(1, 1, 1, 1, 1);
    const ring = createScheduler('chash');
    for (const key of keys(300)) {
      const home = ring.pick(s, { key })!;
      const rest = s.filter((x) => x !== home);
      expect(ring.pick(s, { key, exclude: new Set([home]) })).toBe(
        createScheduler('ring').pick(rest, { key }),
      );
    }
  });
});

describe('bounded (consistent hashing with bounded loads)', () => {
  it('is exactly the ring while nobody is loaded', () => {
    const s = weighted(1, 3, 2, 1);
    const ring = createScheduler('ring');
    const bounded = createScheduler('bounded-load');
    for (const key of keys(500)) expect(bounded.pick(s, { key })).toBe(ring.pick(s, { key }));
  });

  it('skips a server at its bound (HAProxy: ceil(ceil((load+1)*f) * w / W))', () => {
    const s = [server('a'), server('b')];
    const bounded = createScheduler('bounded', { balanceFactor: 1.25 });
    const key = keys(100).find((k) => bounded.pick(s, { key: k })!.name === 'a')!;
    // load 3: slots = ceil(4 * 1.25) = 5, bound = ceil(5 / 2) = 3
    s[0]!.active = 2;
    s[1]!.active = 1;
    expect(bounded.pick(s, { key })!.name).toBe('a'); // 2 < 3
    s[0]!.active = 3;
    s[1]!.active = 0;
    expect(bounded.pick(s, { key })!.name).toBe('b'); // same load, but a is at its bound of 3
    s[1]!.active = 9;
    expect(bounded.pick(s, { key })!.name).toBe('a'); // load 12: bound = ceil(ceil(16.25) / 2) = 9, a is under it again
  });

  it('validates balanceFactor', () => {
    expect(() => createScheduler('bounded', { balanceFactor: 0.9 })).toThrow(RangeError);
    expect(() => createScheduler('chash-bounded', { balanceFactor: Number.NaN })).toThrow(RangeError);
  });
});
