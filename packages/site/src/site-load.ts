/** What measuring needs of a server: core's Server satisfies it. */
export interface MeasuredServer {
  readonly eligible: boolean;
  /** Sessions in flight (on every instance of this site when shared state is on). */
  readonly active: number;
  /** 0 = unlimited. */
  readonly maxConnections: number;
}

/** What measuring needs of a pool: core's Pool satisfies it. */
export interface MeasuredPool {
  readonly name: string;
  servers(): readonly MeasuredServer[];
}

export interface PoolHealth {
  readonly pool: string;
  readonly servers: number;
  readonly eligible: number;
  /** eligible / servers; 0 for a pool without servers. */
  readonly share: number;
}

export interface SiteMeasurement {
  /** Sessions in flight on the site's servers. */
  readonly active: number;
  /** Sessions at load 1.0; undefined when neither configured nor derivable (no server has maxConnections). */
  readonly capacity: number | undefined;
  /** active / capacity, at most MAX_LOAD; 0 when capacity is unknown. */
  readonly load: number;
  /** The smallest pool share: what announce compares with minHealthy. 0 without pools. */
  readonly healthyShare: number;
  readonly pools: readonly PoolHealth[];
}

/** The load reported when the site has limited servers but none can take a session. */
export const MAX_LOAD = 100;

/**
 * Load and health of a site from its VIP pools. A server counts once even
 * when several pools hold it. Without a configured capacity, capacity is the
 * sum of maxConnections of the servers that are eligible now, so losing
 * servers raises the load (and can start overflow) as it should.
 */
export function measureSite(pools: Iterable<MeasuredPool>, configuredCapacity?: number): SiteMeasurement {
  const seen = new Set<MeasuredServer>();
  const health: PoolHealth[] = [];
  let active = 0;
  let eligibleCapacity = 0;
  let limited = 0;
  let healthyShare = Number.POSITIVE_INFINITY;
  for (const pool of pools) {
    const servers = pool.servers();
    let eligible = 0;
    for (const server of servers) {
      if (server.eligible) eligible++;
      if (seen.has(server)) continue;
      seen.add(server);
      active += server.active;
      if (server.maxConnections > 0) {
        limited++;
        if (server.eligible) eligibleCapacity += server.maxConnections;
      }
    }
    const share = servers.length === 0 ? 0 : eligible / servers.length;
    healthyShare = Math.min(healthyShare, share);
    health.push({ pool: pool.name, servers: servers.length, eligible, share });
  }
  const capacity = configuredCapacity ?? (limited > 0 ? eligibleCapacity : undefined);
  return {
    active,
    capacity,
    load: loadOf(active, capacity),
    healthyShare: health.length === 0 ? 0 : healthyShare,
    pools: health,
  };
}

function loadOf(active: number, capacity: number | undefined): number {
  if (capacity === undefined) return 0;
  if (capacity <= 0) return MAX_LOAD;
  return Math.min(active / capacity, MAX_LOAD);
}
