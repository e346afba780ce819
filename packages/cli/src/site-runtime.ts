import type { AdminServer } from '@lvs7/admin';
import { registerSnapshotMetric } from '@lvs7/admin';
import type { Config, SiteConfig } from '@lvs7/config';
import type { Pool } from '@lvs7/core';
import { Site, type SiteOptions } from '@lvs7/site';
import type { Logger } from 'pino';

export function siteOptions(config: SiteConfig): SiteOptions {
  const o = config.overflow;
  return {
    name: config.name,
    vip: config.vip,
    address: config.address,
    capacity: config.capacity,
    minHealthy: config.announce.minHealthy,
    overflow: o && {
      above: o.above,
      peerBelow: o.peerBelow,
      intervalMs: o.interval,
      timeoutMs: o.timeout,
      hysteresis: o.hysteresis,
    },
    peers: config.peers,
  };
}

/** The pools that listeners on the VIP route to (all pools when no listener names the VIP). */
export function vipPools(config: Config, pools: ReadonlyMap<string, Pool>): Pool[] {
  const vip = config.site?.vip;
  const names = new Set<string>();
  for (const listener of config.listeners) {
    const host = listener.listen.slice(0, listener.listen.lastIndexOf(':')).replace(/^\[|\]$/g, '');
    if (host !== vip && host !== '0.0.0.0' && host !== '::') continue;
    if ('routes' in listener) for (const route of listener.routes) names.add(route.pool);
    if ('pool' in listener && typeof listener.pool === 'string') names.add(listener.pool);
  }
  const all = [...pools.values()];
  return names.size === 0 ? all : all.filter((p) => names.has(p.name));
}

export function createSite(
  getConfig: () => Config,
  pools: () => ReadonlyMap<string, Pool>,
  logger: Logger,
): Site {
  return new Site(siteOptions(getConfig().site!), {
    pools: () => vipPools(getConfig(), pools()),
    logger: logger.child({ component: 'site' }),
  });
}

/** GET /api/site, /api/site/announce, POST /api/site/drain|resume, and site metrics. */
export function registerSite(admin: AdminServer, site: Site): void {
  for (const route of site.routes()) admin.route(route.method, route.path, route.handler);
  registerSnapshotMetric(admin.registry, {
    name: 'lvs7_site_load',
    help: 'Active sessions / capacity of this site',
    type: 'gauge',
    samples: () => [{ labels: { site: site.options.name }, value: site.view().load }],
  });
  registerSnapshotMetric(admin.registry, {
    name: 'lvs7_site_announcing',
    help: 'This site should carry the VIP (1) or not (0)',
    type: 'gauge',
    samples: () => [{ labels: { site: site.options.name }, value: site.announcing ? 1 : 0 }],
  });
  registerSnapshotMetric(admin.registry, {
    name: 'lvs7_site_peer_load',
    help: 'Load last reported by each peer site',
    type: 'gauge',
    samples: () =>
      site
        .view()
        .peers.filter((p) => p.load !== null)
        .map((p) => ({ labels: { site: site.options.name, peer: p.name }, value: p.load! })),
  });
}
