import diagnosticsChannel from 'node:diagnostics_channel';
import type { Instance } from '@lvs7/cli';
import { channels, type HealthEvent } from '@lvs7/core';
import { type HttpOrigin, startHttpOrigin } from '@lvs7/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { startInstance } from './helpers.js';

const INTERVAL = 100;
const RISE = 2;
const FALL = 2;

/** Resolves with the next health transition of `server`, and when it happened. */
function nextTransition(server: string): Promise<{ event: HealthEvent; at: number }> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      const event = message as HealthEvent;
      if (event.server.name !== server) return;
      diagnosticsChannel.unsubscribe('lvs7:health', onMessage);
      resolve({ event, at: Date.now() });
    };
    diagnosticsChannel.subscribe('lvs7:health', onMessage);
  });
}

describe('active health checks against real HTTP servers', () => {
  let instance: Instance | undefined;
  const origins: HttpOrigin[] = [];

  afterEach(async () => {
    await instance?.stop();
    await Promise.all(origins.splice(0).map((o) => o.stop()));
  });

  it(`marks a stopped server down within fall × interval and up again after rise passes`, async () => {
    origins.push(await startHttpOrigin({ name: 'web1' }), await startHttpOrigin({ name: 'web2' }));
    const [web1] = origins as [HttpOrigin, HttpOrigin];
    instance = await startInstance(`
pools:
  web:
    scheduler: rr
    servers:
      - { name: web1, address: ${origins[0]!.address} }
      - { name: web2, address: ${origins[1]!.address} }
    health: { check: http, path: /health, interval: ${INTERVAL}ms, timeout: 80ms, rise: ${RISE}, fall: ${FALL}, jitter: 0% }
`);
    const pool = instance.pools().get('web')!;
    expect(channels.health.name).toBe('lvs7:health');

    const down = nextTransition('web1');
    const stoppedAt = Date.now();
    await web1.stop();
    const { event: downEvent, at: downAt } = await down;
    expect(downEvent.healthy).toBe(false);
    // fall consecutive failures, each at most one interval (+ its timeout) apart.
    expect(downAt - stoppedAt).toBeLessThanOrEqual(FALL * INTERVAL + 80 + 150);
    expect(pool.get('web1')!.healthy).toBe(false);
    for (let i = 0; i < 20; i++) expect(pool.pick({})?.name).toBe('web2');

    const up = nextTransition('web1');
    const restartedAt = Date.now();
    await web1.start();
    const { event: upEvent, at: upAt } = await up;
    expect(upEvent.healthy).toBe(true);
    // rise passes need at least (rise - 1) intervals after the first pass.
    expect(upAt - restartedAt).toBeGreaterThanOrEqual((RISE - 1) * INTERVAL - 20);
    expect(upAt - restartedAt).toBeLessThanOrEqual(RISE * INTERVAL + 250);
    const picked = new Set(Array.from({ length: 10 }, () => pool.pick({})?.name));
    expect(picked).toEqual(new Set(['web1', 'web2']));
  });

  it('a 5xx from the health path fails the check (status range)', async () => {
    origins.push(await startHttpOrigin({ name: 'sick' }));
    const sick = origins[0]!;
    instance = await startInstance(`
pools:
  web:
    servers: [ { name: sick, address: ${sick.address} } ]
    health: { check: http, path: /health, interval: 50ms, timeout: 40ms, rise: 1, fall: 1, jitter: 0% }
`);
    const down = nextTransition('sick');
    sick.healthy = false;
    expect((await down).event.message).toMatch(/503/);
  });
});
