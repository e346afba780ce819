import type { AdminServer } from '@lvs7/admin';
import { registerSnapshotMetric } from '@lvs7/admin';
import type { Config, ListenerConfig, SiteConfig } from '@lvs7/config';
import type { Pool } from '@lvs7/core';
import { Site, type SiteOptions } from '@lvs7/site';
import type { Logger } from 'pino';
import type { RunningListener } from './listener-factory.js';
import { SiteSocket } from './site-socket.js';

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
    const host = listenHost(listener.listen);
    if (host !== vip && !WILDCARDS.has(host)) continue;
    if ('routes' in listener) for (const route of listener.routes) names.add(route.pool);
    if ('pool' in listener && typeof listener.pool === 'string') names.add(listener.pool);
  }
  const all = [...pools.values()];
  return names.size === 0 ? all : all.filter((p) => names.has(p.name));
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

function listenHost(listen: string): string {
  return listen.slice(0, listen.lastIndexOf(':')).replace(/^\[|\]$/g, '');
}

/** A listener on the VIP (or a wildcard address, which covers it): it takes part in overflow. */
export function onVip(listener: ListenerConfig, site: Site): boolean {
  const host = listenHost(listener.listen);
  return listener.protocol !== 'icp' && (host === site.options.vip || WILDCARDS.has(host));
}

/** A listener on the VIP itself also binds its port on the site's address (a wildcard already covers it). */
export function siteSocketWanted(listener: ListenerConfig, site: Site): boolean {
  return (
    onVip(listener, site) &&
    listenHost(listener.listen) === site.options.vip &&
    site.options.address !== site.options.vip
  );
}

export function bindSiteSocket(
  config: ListenerConfig,
  listener: RunningListener,
  site: Site,
  logger: Logger,
): SiteSocket {
  const a = listener.address();
  const port =
    a !== null && typeof a === 'object'
      ? a.port
      : Number(config.listen.slice(config.listen.lastIndexOf(':') + 1));
  // Plain HTTP keeps half-open connections as the listener's own socket does (a request before a FIN is answered).
  const halfOpen = config.protocol === 'http' && !('tls' in config && config.tls !== undefined);
  return new SiteSocket(
    site.options.address,
    port,
    listener,
    logger.child({ component: 'listener', listener: config.name }),
    halfOpen,
  );
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
  const traffic = (event: 'forwarded' | 'failed' | 'received') => () =>
    site.traffic.entries().map((e) => ({
      labels: { listener: e.listener, peer: e.peer, protocol: e.protocol },
      value: e[event],
    }));
  registerSnapshotMetric(admin.registry, {
    name: 'lvs7_overflow_sessions_total',
    help: 'New sessions (HTTP requests, mail connections) sent to a peer site',
    type: 'counter',
    samples: traffic('forwarded'),
  });
  registerSnapshotMetric(admin.registry, {
    name: 'lvs7_overflow_failures_total',
    help: 'Sessions meant for a peer site that could not reach it and were served here',
    type: 'counter',
    samples: traffic('failed'),
  });
  registerSnapshotMetric(admin.registry, {
    name: 'lvs7_overflow_received_total',
    help: 'Sessions a peer site forwarded here (marked: served here, never forwarded again)',
    type: 'counter',
    samples: traffic('received'),
  });
  registerSnapshotMetric(admin.registry, {
    name: 'lvs7_site_overflow_share',
    help: 'Fraction of new sessions sent to peer sites now (see /api/site overflow.reason for why)',
    type: 'gauge',
    samples: () => [{ labels: { site: site.options.name }, value: site.overflow.share }],
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
