import type { Schedulable } from '../../src/index.js';

/** A mutable plain server, as the schedulers see one. */
export interface TestServer extends Schedulable {
  name: string;
  weight: number;
  active: number;
  inactive: number;
  full?: boolean;
}

export function server(name: string, weight = 1, active = 0, inactive = 0): TestServer {
  return { name, weight, active, inactive };
}

/** Servers named a, b, c, … with these weights. */
export function weighted(...weights: number[]): TestServer[] {
  return weights.map((w, i) => server(String.fromCharCode(97 + i), w));
}

/** A small seeded PRNG (mulberry32), so random schedulers are reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Counts of picks by server name. */
export function tally(names: Iterable<string | undefined>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

/** The canonical name of every registered scheduler (aliases folded). */
export const ALL = [
  'rr',
  'wrr',
  'lc',
  'wlc',
  'sed',
  'nq',
  'lblc',
  'lblcr',
  'dh',
  'sh',
  'mh',
  'ring',
  'bounded',
  'p2c',
  'fo',
  'ovf',
  'random',
  'carp',
] as const;
