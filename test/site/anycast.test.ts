import type { SiteView } from '@lvs7/site';
import { waitFor } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnycastLab, type SiteName } from './anycast-lab.js';

/**
 * Anycast failover for real: BIRD 2 on a router namespace prefers siteA's
 * BGP route to the VIP; ExaBGP in each site runs lvs7's announcer against
 * the site's admin (a stand-in with the real Site class until `lvs7 start`
 * serves /api/site). A client in its own namespace curls the VIP.
 */
describe('anycast: two sites announce one VIP over BGP', () => {
  let lab: AnycastLab;

  beforeAll(async () => {
    lab = await AnycastLab.start();
  }, 60_000);

  afterAll(async () => {
    await lab?.stop();
  }, 20_000);

  /**
   * Runs `action`, then curls the VIP until `site` answers. Prints a timeline
   * from the start of the action: when the action returned (admin changes
   * are a curl spawned into the site's namespace), when the announcer wrote
   * its command, when the router's kernel route changed (ip monitor), and
   * when the client got its answer from `site`.
   */
  async function failover(label: string, site: SiteName, action: () => Promise<void> | void) {
    const monitorFrom = lab.routeEvents.length;
    const logFrom = { siteA: lab.announcerLog('siteA').length, siteB: lab.announcerLog('siteB').length };
    const t0 = Date.now();
    await action();
    const acted = Date.now() - t0;
    let answer = '';
    let curls = 0;
    while (answer !== site && Date.now() - t0 < 15_000) {
      answer = await lab.curl();
      curls++;
    }
    const endToEnd = Date.now() - t0;
    expect(answer, lab.logs()).toBe(site);
    const via = site === 'siteA' ? '10.77.1.2' : '10.77.2.2';
    const routed = lab.routeEvents
      .slice(monitorFrom)
      .find((e) => e.line.includes(via) && !e.line.startsWith('Deleted'));
    const decided = [
      ...lab.announcerLog('siteA').slice(logFrom.siteA),
      ...lab.announcerLog('siteB').slice(logFrom.siteB),
    ]
      .filter((l) => /bgp-announcer: (announce|withdraw)/.test(l.msg) && l.time <= (routed?.at ?? Infinity))
      .at(-1);
    const at = (ms: number | undefined) => (ms === undefined ? '?' : `+${ms - t0} ms`);
    const bgp = decided && routed ? routed.at - decided.time : undefined;
    console.log(
      `[anycast] ${label}: action returned +${acted} ms; ` +
        `announcer ${decided?.msg.replace('bgp-announcer: ', '') ?? '?'} ${at(decided?.time)} (${decided?.reason ?? '?'}); ` +
        `router via ${via} ${at(routed?.at)} (BGP ${bgp ?? '?'} ms, bar 20–150 ms); ` +
        `client answered by ${site} +${endToEnd} ms (${curls} curl(s); goal < 1000 ms)`,
    );
    return { endToEnd, bgp };
  }

  it('sends the client to the preferred site, and each site sees the other', async () => {
    expect(await lab.curl()).toBe('siteA');
    const routes = await lab.birdRoutes();
    expect(routes).toMatch(/siteA/);
    expect(routes).toMatch(/siteB/);
    // siteA reads siteB's /api/site across the router, at the overflow interval (1 s).
    const site = await waitFor(
      async () => {
        const view = JSON.parse(await lab.admin('siteA', 'GET', '/api/site')) as SiteView;
        return view.peers[0]?.lastSeen ? view : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200, message: 'siteA to see siteB' },
    );
    expect(site).toMatchObject({ name: 'siteA', announcing: true, healthyShare: 1 });
    expect(site.peers[0]).toMatchObject({ name: 'siteB', address: '10.77.2.2', load: 0, announcing: true });
  });

  it('fails over to siteB when siteA turns unhealthy, and back when it recovers', async () => {
    const down = await failover('siteA unhealthy', 'siteB', async () => {
      await lab.admin('siteA', 'PATCH', '/api/pools/web/servers/web1', { state: 'maint' });
    });
    expect(await lab.routeVia()).toBe('10.77.2.2');
    const up = await failover('siteA recovered', 'siteA', async () => {
      await lab.admin('siteA', 'PATCH', '/api/pools/web/servers/web1', { state: 'ready' });
    });
    expect(await lab.routeVia()).toBe('10.77.1.2');
    // Generous bounds: CI machines are shared; the printed numbers are what matters.
    expect(down.endToEnd).toBeLessThan(5_000);
    expect(up.endToEnd).toBeLessThan(5_000);
  });

  it('withdraws when siteA’s lvs7 dies (two failed polls), and announces again when it is back', async () => {
    const dead = await failover('siteA lvs7 killed', 'siteB', () => lab.killAdmin('siteA'));
    expect(lab.announcerLog('siteA').at(-1)?.reason).toMatch(/2 failed poll\(s\)/);
    const back = await failover('siteA lvs7 restarted', 'siteA', () => lab.startAdmin('siteA'));
    expect(dead.endToEnd).toBeLessThan(5_000);
    expect(back.endToEnd).toBeLessThan(20_000);
  });

  it('re-decides when ExaBGP respawns a dead announcer (ExaBGP keeps the routes of a dead one)', async () => {
    const pid = await lab.announcerPid('siteA');
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGSTOP');
    await lab.admin('siteA', 'PATCH', '/api/pools/web/servers/web1', { state: 'maint' });
    // A frozen announcer cannot withdraw: the route stays, however unhealthy siteA is.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await lab.routeVia()).toBe('10.77.1.2');
    await failover('siteA announcer killed while siteA unhealthy', 'siteB', () => {
      process.kill(pid!, 'SIGKILL');
    });
    const respawned = await lab.announcerPid('siteA');
    expect(respawned).not.toBe(pid);
    await failover('siteA recovered (respawned announcer)', 'siteA', async () => {
      await lab.admin('siteA', 'PATCH', '/api/pools/web/servers/web1', { state: 'ready' });
    });
  });

  it('withdraws a draining site first (POST /api/site/drain), then announces after resume', async () => {
    await failover('siteA drain', 'siteB', async () => {
      await lab.admin('siteA', 'POST', '/api/site/drain');
    });
    await failover('siteA resume', 'siteA', async () => {
      await lab.admin('siteA', 'POST', '/api/site/resume');
    });
  });
});
