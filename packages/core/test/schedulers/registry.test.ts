import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createScheduler, schedulerInfo, schedulerNames } from '../../src/index.js';
import { ALL, seeded, server } from './helpers.js';

const HASHING = new Set(['lblc', 'lblcr', 'dh', 'sh', 'mh', 'ring', 'bounded', 'carp']);
const ALIASES: Record<string, string> = {
  roundrobin: 'rr',
  locality: 'lblc',
  maglev: 'mh',
  ketama: 'ring',
  chash: 'ring',
  'chash-bounded': 'bounded',
  'bounded-load': 'bounded',
  twos: 'p2c',
};

describe('registry', () => {
  it('knows every scheduler and alias, with the right hashing flag', () => {
    expect(schedulerNames()).toEqual([...ALL, ...Object.keys(ALIASES)].sort());
    for (const name of ALL) {
      const info = schedulerInfo(name)!;
      expect(info.name).toBe(name);
      expect(info.hashing).toBe(HASHING.has(name));
      expect(info.description.length).toBeGreaterThan(10);
      expect(createScheduler(name).name).toBe(name);
    }
    for (const [alias, name] of Object.entries(ALIASES)) expect(schedulerInfo(alias)?.name).toBe(name);
  });
});

const serverState = fc.record({
  weight: fc.integer({ min: 1, max: 256 }),
  active: fc.integer({ min: 0, max: 300 }),
  inactive: fc.integer({ min: 0, max: 1000 }),
  excluded: fc.boolean(),
});

describe('every scheduler honours ctx.exclude', () => {
  // sh without fallback may answer nothing when its one server is excluded;
  // ovf answers nothing once every server is over its weight.
  const mayDecline = new Set(['sh', 'ovf']);

  it.each(ALL)('%s', (name) => {
    fc.assert(
      fc.property(
        fc.array(serverState, { minLength: 1, maxLength: 12 }),
        fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 10 }),
        fc.integer(),
        (states, keys, seed) => {
          const servers = states.map((st, i) => server(`s${i}`, st.weight, st.active, st.inactive));
          const exclude = new Set(servers.filter((_, i) => states[i]!.excluded));
          // Small tables keep 150 fresh builds fast; the walks are the same.
          const scheduler = createScheduler(name, {
            random: seeded(seed),
            tableSize: 251,
            pointsPerWeight: 4,
          });
          scheduler.update?.(servers);
          for (const key of keys) {
            const picked = scheduler.pick(servers, { key, clientAddress: key, exclude });
            if (picked !== undefined) {
              expect(servers).toContain(picked);
              expect(exclude.has(picked)).toBe(false);
            } else if (!mayDecline.has(name)) {
              expect(exclude.size).toBe(servers.length);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
