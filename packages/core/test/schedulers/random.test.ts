import { describe, expect, it } from 'vitest';
import { createScheduler } from '../../src/index.js';
import { server, weighted } from './helpers.js';

/** A random source replaying fixed values. */
const replay = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('random', () => {
  it('draws by cumulative weight', () => {
    const s = weighted(1, 2, 1); // a [0, .25), b [.25, .75), c [.75, 1)
    const random = createScheduler('random', { random: replay(0, 0.24, 0.25, 0.74, 0.75, 0.999) });
    const picks = Array.from({ length: 6 }, () => random.pick(s, {})?.name);
    expect(picks).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
  });

  it('redraws over the servers not excluded', () => {
    const s = weighted(1, 2, 1);
    const random = createScheduler('random', { random: replay(0.5) }); // always b…
    expect(random.pick(s, { exclude: new Set([s[1]!]) })?.name).toBe('c'); // …then 0.5 of a+c
    expect(random.pick(s, { exclude: new Set(s) })).toBeUndefined();
  });
});

describe('p2c', () => {
  it('keeps the less loaded of two weighted draws (active/weight, cross-multiplied)', () => {
    const s = [server('a', 1, 3), server('b', 2, 5), server('c', 1, 0)]; // a 3/1, b 5/2
    const p2c = createScheduler('twos', { random: replay(0.1, 0.5) }); // a then b
    expect(p2c.pick(s, {})?.name).toBe('b');
    s[1]!.active = 6; // 6/2 = 3/1: a tie keeps the first draw
    expect(p2c.pick(s, {})?.name).toBe('a');
  });

  it('never draws an excluded server', () => {
    const s = weighted(1, 1, 1);
    const p2c = createScheduler('p2c', { random: replay(0.1) });
    expect(p2c.pick(s, { exclude: new Set([s[0]!]) })?.name).toBe('b');
    expect(p2c.pick(s, { exclude: new Set(s) })).toBeUndefined();
  });
});
