import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pool, SERVER_STATES, type Server, type ServerState } from '../../src/index.js';
import { ALL, seeded } from './helpers.js';

/** An administrative or health change the pool applies, then the scheduler must respect. */
type Op =
  | { kind: 'state'; server: number; state: ServerState }
  | { kind: 'health'; server: number; healthy: boolean }
  | { kind: 'eject'; server: number; ejected: boolean }
  | { kind: 'weight'; server: number; weight: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('state' as const),
    server: fc.nat(),
    state: fc.constantFrom(...SERVER_STATES),
  }),
  fc.record({ kind: fc.constant('health' as const), server: fc.nat(), healthy: fc.boolean() }),
  fc.record({ kind: fc.constant('eject' as const), server: fc.nat(), ejected: fc.boolean() }),
  fc.record({
    kind: fc.constant('weight' as const),
    server: fc.nat(),
    weight: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 256 })),
  }),
);

function apply(pool: Pool, servers: Server[], op: Op): void {
  const server = servers[op.server % servers.length]!;
  if (op.kind === 'state') pool.setState(server.name, op.state);
  else if (op.kind === 'health') pool.setHealthy(server, op.healthy);
  else if (op.kind === 'eject') pool.setEjected(server, op.ejected);
  else pool.setWeight(server.name, op.weight);
}

describe('through a real Pool, no scheduler returns an ineligible server', () => {
  it.each(ALL)('%s', (name) => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ weight: fc.integer({ min: 1, max: 256 }), backup: fc.boolean() }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(opArb, { maxLength: 12 }),
        fc.integer(),
        (specs, ops, seed) => {
          const random = seeded(seed);
          const pool = new Pool('p', {
            scheduler: name,
            schedulerOptions: { random, tableSize: 251, pointsPerWeight: 4 },
            servers: specs.map((s, i) => ({ name: `s${i}`, address: `10.0.0.${i + 1}:80`, ...s })),
            now: () => 1_000,
          });
          const servers = pool.servers();
          try {
            for (const op of [undefined, ...ops]) {
              if (op !== undefined) apply(pool, servers, op);
              const primaries = servers.filter((s) => s.eligible && !s.backup);
              const eligible = primaries.length > 0 ? primaries : servers.filter((s) => s.eligible);
              for (let i = 0; i < 6; i++) {
                const key = `k${Math.floor(random() * 20)}`;
                const picked = pool.pick({ key, clientAddress: key });
                if (picked === undefined) {
                  // ovf alone may decline: every eligible server is over its weight.
                  if (name === 'ovf') expect(eligible.every((s) => s.active > s.weight)).toBe(true);
                  else expect(eligible).toHaveLength(0);
                  continue;
                }
                expect(picked.state).toBe<ServerState>('ready');
                expect(picked.healthy).toBe(true);
                expect(picked.ejected).toBe(false);
                expect(picked.configuredWeight).toBeGreaterThan(0);
                expect(picked.weight).toBeGreaterThan(0);
                if (picked.backup) expect(primaries).toHaveLength(0);
                expect(eligible).toContain(picked);
                // Load the servers up a little so least-connection and locality rules branch.
                if (random() < 0.5) pool.sessionStarted(picked);
              }
            }
          } finally {
            pool.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
