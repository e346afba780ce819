import { describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/index.js';
import { weighted } from './helpers.js';

const sequence = (name: string, weights: number[], n: number) => {
  const servers = weighted(...weights);
  const scheduler = createScheduler(name);
  scheduler.update?.(servers);
  return Array.from({ length: n }, () => scheduler.pick(servers, {})?.name).join(' ');
};

describe('rr', () => {
  it('cycles in list order and skips excluded servers', () => {
    expect(sequence('rr', [5, 1, 1], 7)).toBe('a b c a b c a');
    const s = weighted(1, 1, 1);
    const rr = createScheduler('roundrobin');
    expect(rr.pick(s, { exclude: new Set([s[0]!]) })?.name).toBe('b');
    expect(rr.pick(s, {})?.name).toBe('c');
  });
});

describe('wrr (nginx smooth weighted round robin)', () => {
  it('gives nginx’s sequence for weights 5,1,1', () => {
    expect(sequence('wrr', [5, 1, 1], 14)).toBe('a a b a c a a a a b a c a a');
  });

  it('interleaves instead of bursting', () => {
    expect(sequence('wrr', [2, 1], 6)).toBe('a b a a b a');
    expect(sequence('wrr', [3, 3], 4)).toBe('a b a b');
  });

  it('skips excluded servers without charging them', () => {
    const s = weighted(5, 1, 1);
    const wrr = createScheduler('wrr');
    const exclude = new Set([s[0]!]);
    expect(wrr.pick(s, { exclude })?.name).toBe('b');
    expect(wrr.pick(s, { exclude })?.name).toBe('c');
    expect(wrr.pick(s, { exclude: new Set(s) })).toBeUndefined();
  });

  it('keeps its position across update() when only weights change', () => {
    const s = weighted(1, 1);
    const wrr = createScheduler('wrr');
    wrr.update?.(s);
    expect(wrr.pick(s, {})?.name).toBe('a');
    const again = s.map((x) => ({ ...x }));
    wrr.update?.(again);
    expect(wrr.pick(again, {})?.name).toBe('b');
  });
});
