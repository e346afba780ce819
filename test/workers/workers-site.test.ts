import { type TempDir, tempDir, waitFor } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend, freePort, Load, type RunningSite, startSite } from '../site/overflow-lab.js';

/**
 * Overflow between sites when the overloaded site runs `workers: 2`: the
 * primary measures the load (the workers' sessions summed) and polls the
 * peer; each worker decides per request from what the primary measured and
 * reports what it forwarded, so /api/site and the metrics count it all.
 */
describe('overflow from a site whose listeners run in two workers', () => {
  const VIP_A = '127.0.0.13';
  const VIP_B = '127.0.0.14';
  const ADDRESS_A = '127.0.0.23';
  const ADDRESS_B = '127.0.0.24';
  let dir: TempDir;
  const a1 = new Backend('A1');
  const b1 = new Backend('B1');
  let siteA: RunningSite;
  let siteB: RunningSite;
  let port = 0;

  beforeAll(async () => {
    dir = await tempDir('lvs7-workers-site-');
    await Promise.all([a1.start(), b1.start()]);
    port = await freePort();
    const [adminA, adminB] = [await freePort(), await freePort()];
    [siteA, siteB] = await Promise.all([
      startSite(
        dir,
        {
          name: 'siteA',
          vip: VIP_A,
          address: ADDRESS_A,
          capacity: 4,
          backends: [a1],
          adminPort: adminA,
          peer: { name: 'siteB', address: ADDRESS_B, adminPort: adminB },
          extra: 'workers: 2',
        },
        port,
      ),
      startSite(
        dir,
        {
          name: 'siteB',
          vip: VIP_B,
          address: ADDRESS_B,
          capacity: 40,
          backends: [b1],
          adminPort: adminB,
          peer: { name: 'siteA', address: ADDRESS_A, adminPort: adminA },
        },
        port,
      ),
    ]);
    await waitFor(async () => (await siteA.view()).peers[0]?.announcing === true, {
      timeoutMs: 30_000,
      message: 'siteA to see siteB announcing',
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.all([siteA?.stop(), siteB?.stop()]);
    await Promise.all([a1.stop(), b1.stop()]);
    await dir?.remove();
  }, 60_000);

  it('sends the excess to the idle site and counts what every worker forwarded', async () => {
    const load = new Load(VIP_A, port, 10, 1000);
    try {
      await waitFor(
        async () => {
          const v = await siteA.view();
          return v.overflow.active && b1.seen.some((s) => s.overflow === 'siteA');
        },
        { timeoutMs: 60_000, intervalMs: 200, message: 'siteA to overflow to siteB' },
      );
    } finally {
      await load.stop();
    }
    expect(load.errors).toEqual([]);
    expect(load.answers.every((a) => a.status === 200)).toBe(true);
    const forwarded = b1.seen.filter((s) => s.overflow === 'siteA').length;
    // Workers report what they forwarded to the primary as it happens.
    await waitFor(async () => (await siteA.traffic('forwarded')) === forwarded, {
      timeoutMs: 5_000,
      message: `siteA to count ${forwarded} forwarded`,
    });
    expect(await siteB.traffic('received')).toBe(forwarded);
    expect(a1.seen.length).toBeGreaterThan(forwarded); // siteA still serves most of its own load
  }, 120_000);
});
