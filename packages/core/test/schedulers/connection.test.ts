import { describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/index.js';
import { server, weighted } from './helpers.js';

describe('lc (ip_vs_lc)', () => {
  it('picks the smallest 256*active+inactive, weights ignored', () => {
    const s = [server('a', 100, 1, 0), server('b', 1, 0, 255), server('c', 1, 0, 300)];
    expect(createScheduler('lc').pick(s, {})?.name).toBe('b'); // 255 < 256 < 300
    s[1]!.inactive = 256;
    expect(createScheduler('lc').pick(s, {})?.name).toBe('a'); // tie 256: first wins
  });

  it('skips excluded servers', () => {
    const s = [server('a', 1, 0), server('b', 1, 5)];
    expect(createScheduler('lc').pick(s, { exclude: new Set([s[0]!]) })?.name).toBe('b');
    expect(createScheduler('lc').pick(s, { exclude: new Set(s) })).toBeUndefined();
    expect(createScheduler('lc').pick([], {})).toBeUndefined();
  });
});

describe('wlc (ip_vs_wlc)', () => {
  it('compares (256*active+inactive)/weight by cross-multiplication, first on ties', () => {
    // a: 512/2 = 256, b: 256/1 = 256, c: 770/3 = 256.67
    const s = [server('a', 2, 2, 0), server('b', 1, 1, 0), server('c', 3, 3, 2)];
    const wlc = createScheduler('wlc');
    expect(wlc.pick(s, {})?.name).toBe('a');
    s[0]!.inactive = 1; // a: 513/2 > 256
    expect(wlc.pick(s, {})?.name).toBe('b');
    s[2]!.inactive = 0; // c: 768/3 = 256 ties b, b comes first
    expect(wlc.pick(s, {})?.name).toBe('b');
    s[2]!.active = 2; // c: 512/3
    expect(wlc.pick(s, {})?.name).toBe('c');
  });

  it('honours exclude', () => {
    const s = weighted(1, 1);
    expect(createScheduler('wlc').pick(s, { exclude: new Set([s[0]!]) })?.name).toBe('b');
  });
});

describe('sed (ip_vs_sed)', () => {
  it('picks the smallest (active+1)/weight; inactive ignored', () => {
    // a: 1/1, b: 3/5 -> b, even though a is idle
    const s = [server('a', 1, 0, 0), server('b', 5, 2, 999)];
    expect(createScheduler('sed').pick(s, {})?.name).toBe('b');
    s[1]!.active = 4; // b: 5/5 = a: 1/1 -> a first
    expect(createScheduler('sed').pick(s, {})?.name).toBe('a');
  });
});

describe('nq (ip_vs_nq)', () => {
  it('prefers the first idle server whatever the weights', () => {
    const s = [server('a', 10, 1), server('b', 1, 0), server('c', 1, 0)];
    expect(createScheduler('nq').pick(s, {})?.name).toBe('b');
    expect(createScheduler('nq').pick(s, { exclude: new Set([s[1]!]) })?.name).toBe('c');
  });

  it('falls back to shortest expected delay when nobody is idle', () => {
    const s = [server('a', 10, 5), server('b', 1, 1)]; // 6/10 < 2/1
    expect(createScheduler('nq').pick(s, {})?.name).toBe('a');
    expect(createScheduler('nq').pick(s, { exclude: new Set(s) })).toBeUndefined();
  });
});

describe('fo (ip_vs_fo)', () => {
  it('sends everything to the highest weight, first on ties', () => {
    const s = [server('a', 5), server('b', 9, 100), server('c', 9)];
    const fo = createScheduler('fo');
    for (let i = 0; i < 5; i++) expect(fo.pick(s, {})?.name).toBe('b');
    expect(fo.pick(s, { exclude: new Set([s[1]!]) })?.name).toBe('c');
    expect(fo.pick(s, { exclude: new Set(s) })).toBeUndefined();
  });
});

describe('ovf (ip_vs_ovf)', () => {
  it('fills the highest weight up to its weight (active > weight skips, as IPVS), then overflows', () => {
    const s = [server('a', 2), server('b', 3)];
    const ovf = createScheduler('ovf');
    const picks: string[] = [];
    for (let i = 0; i < 8; i++) {
      const p = ovf.pick(s, {});
      if (p === undefined) break;
      picks.push(p.name);
      p.active++;
    }
    // b takes active 0..3 (4 sessions), then a takes 0..2 (3), then none.
    expect(picks).toEqual(['b', 'b', 'b', 'b', 'a', 'a', 'a']);
    s[1]!.active = 2;
    expect(ovf.pick(s, { exclude: new Set([s[1]!]) })).toBeUndefined();
  });
});
