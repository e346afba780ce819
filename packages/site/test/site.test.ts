import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { siteChannels } from '../src/channels.js';
import { InvalidSiteOptionsError } from '../src/errors.js';
import { Site, type SiteView } from '../src/site.js';
import { listen, loadPool, serveRoutes, type TestServer, webPool } from './helpers.js';

const servers: TestServer[] = [];
const sites: Site[] = [];
afterEach(async () => {
  for (const site of sites.splice(0)) site.stop();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fakePeer(body: () => unknown, status = 200): Promise<TestServer> {
  const peer = await listen((req, res) => {
    if (req.url !== '/api/site') return void res.writeHead(404).end();
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body()));
  });
  servers.push(peer);
  return peer;
}

function makeSite(peers: Array<{ name: string; admin: string }> = [], pool = webPool(4)) {
  const site = new Site(
    {
      name: 'siteA',
      vip: '192.0.2.10',
      address: '10.77.1.2',
      minHealthy: 50,
      overflow: { above: 1.1, peerBelow: 0.7, intervalMs: 100, timeoutMs: 2_000, maxStep: 1 },
      peers: peers.map((p, i) => ({ ...p, address: `10.77.${i + 2}.2` })),
    },
    { pools: () => [pool] },
  );
  sites.push(site);
  return { site, pool };
}

describe('Site', () => {
  it('rejects unusable options all at once', () => {
    expect(
      () =>
        new Site(
          {
            name: 'a b',
            vip: 'nope',
            address: '10.77.1.2',
            minHealthy: 150,
            overflow: { above: 0.5, peerBelow: 0.7 },
            peers: [{ name: 'x', admin: 'ftp://x', address: 'y' }],
          },
          { pools: () => [] },
        ),
    ).toThrow(InvalidSiteOptionsError);
    try {
      new Site({ name: 'a b', vip: 'nope', address: '10.77.1.2' }, { pools: () => [] });
    } catch (err) {
      expect((err as InvalidSiteOptionsError).problems).toHaveLength(2);
      expect((err as InvalidSiteOptionsError).code).toBe('LVS7_ERR_SITE_OPTIONS');
    }
  });

  it('answers /api/site/announce: 200 while healthy, 503 below minHealthy, while draining and before start', async () => {
    const { site, pool } = makeSite();
    const api = await serveRoutes(site.routes());
    servers.push(api);
    const announce = async () => (await fetch(`${api.url}/api/site/announce`)).status;
    expect(await announce()).toBe(503);
    site.start();
    expect(await announce()).toBe(200);
    const events: unknown[] = [];
    const onEvent = (message: unknown) => events.push(message);
    diagnosticsChannel.subscribe('lvs7:site:announce', onEvent);
    try {
      pool.setHealthy(pool.servers()[0]!, false);
      pool.setHealthy(pool.servers()[1]!, false);
      expect(await announce()).toBe(200); // 50% is enough
      pool.setHealthy(pool.servers()[2]!, false);
      expect(await announce()).toBe(503);
      pool.setHealthy(pool.servers()[2]!, true);
      expect(await announce()).toBe(200);
      let drained = false;
      site.once('drain', () => (drained = true));
      const drain = await fetch(`${api.url}/api/site/drain`, { method: 'POST' });
      expect(drain.status).toBe(202);
      expect(await drain.json()).toEqual({ draining: true, announcing: false, active: 0 });
      expect(drained).toBe(true);
      expect(await announce()).toBe(503);
      expect((await fetch(`${api.url}/api/site/resume`, { method: 'POST' })).status).toBe(200);
      expect(await announce()).toBe(200);
    } finally {
      diagnosticsChannel.unsubscribe('lvs7:site:announce', onEvent);
    }
    expect(events.map((e) => (e as { announcing: boolean }).announcing)).toEqual([false, true, false, true]);
    expect(siteChannels.announce.name).toBe('lvs7:site:announce');
  });

  it('publishes load, health and peers at /api/site', async () => {
    const peerB = await fakePeer(() => ({ name: 'siteB', load: 0.25, capacity: 400, announcing: true }));
    const { site, pool } = makeSite([{ name: 'siteB', admin: `${peerB.url}/` }]);
    loadPool(pool, 0.5);
    site.start();
    await site.tick();
    const api = await serveRoutes(site.routes());
    servers.push(api);
    const view = (await (await fetch(`${api.url}/api/site`)).json()) as SiteView;
    expect(view).toMatchObject({
      name: 'siteA',
      load: 0.5,
      capacity: 400,
      active: 200,
      announcing: true,
      healthyShare: 1,
      draining: false,
      overflow: { enabled: true, active: false, share: 0 },
      peers: [{ name: 'siteB', address: '10.77.2.2', load: 0.25, announcing: true, error: null }],
    });
    expect(Date.parse(view.peers[0]!.lastSeen!)).toBeGreaterThan(Date.now() - 5_000);
  });

  it('overflows to a light peer when overloaded and stops when the peer fills up', async () => {
    let peerLoad = 0.2;
    const peerB = await fakePeer(() => ({
      name: 'siteB',
      load: peerLoad,
      capacity: 4_000,
      announcing: true,
    }));
    const { site, pool } = makeSite([{ name: 'siteB', admin: peerB.url }]);
    loadPool(pool, 1.5); // not start(): its own ticks would update again with this fixed (unreacting) load
    await site.tick();
    expect(site.overflow.active).toBe(true);
    const picks = Array.from({ length: 30 }, () => site.decide()?.address ?? 'local');
    expect(picks.filter((p) => p === '10.77.2.2').length).toBe(10); // share 1 − 1/1.5
    peerLoad = 0.9;
    await site.tick();
    expect(site.overflow.active).toBe(false);
    expect(site.decide()).toBeUndefined();
  });

  it('shows a peer that does not answer, or answers as someone else, and does not overflow to it', async () => {
    const wrong = await fakePeer(() => ({ name: 'siteX', load: 0, announcing: true }));
    const dead = await fakePeer(() => ({}));
    const deadUrl = dead.url;
    await dead.close();
    servers.splice(servers.indexOf(dead), 1);
    const { site, pool } = makeSite([
      { name: 'siteB', admin: wrong.url },
      { name: 'siteC', admin: deadUrl },
    ]);
    site.start();
    loadPool(pool, 2);
    await site.tick();
    const view = site.view();
    expect(view.peers[0]!.error).toMatch(/LVS7|calls itself "siteX"/);
    expect(view.peers[1]!.error).toMatch(/ECONNREFUSED/);
    expect(view.peers.every((p) => p.lastSeen === null)).toBe(true);
    expect(site.overflow.active).toBe(false);
  });
});
