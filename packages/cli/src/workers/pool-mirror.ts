import type { Pool, Server } from '@lvs7/core';
import type { ServerMirror } from './messages.js';

type PoolMirrors = Readonly<Record<string, readonly ServerMirror[]>>;

/** The primary's pools as the workers must see them (health, weights, states, ejections, limits). */
export function mirrorPools(pools: ReadonlyMap<string, Pool>): Record<string, ServerMirror[]> {
  const out: Record<string, ServerMirror[]> = {};
  for (const [name, pool] of pools)
    out[name] = pool.servers().map((s) => ({
      name: s.name,
      weight: s.configuredWeight,
      state: s.state,
      healthy: s.healthy,
      ejected: s.ejected,
      maxConnections: s.maxConnections,
      lastCheck: s.lastCheck,
    }));
  return out;
}

/**
 * Copies the primary's view onto a worker's pools. Membership comes with
 * admin changes (and the config); this sets what checks, agents and
 * outlier detection decided. A server's connection limit is split between
 * the workers, so the backend sees at most about what was configured.
 * `ownEjections` keeps this worker's own ejections until the primary has
 * heard of them.
 */
export function applyPoolMirrors(
  pools: ReadonlyMap<string, Pool>,
  mirrors: PoolMirrors,
  workers: number,
  ownEjections: ReadonlySet<string>,
): void {
  for (const [name, servers] of Object.entries(mirrors)) {
    const pool = pools.get(name);
    if (pool === undefined) continue;
    for (const m of servers) {
      const server = pool.get(m.name);
      if (server === undefined) continue;
      if (server.configuredWeight !== m.weight) pool.setWeight(m.name, m.weight);
      if (server.state !== m.state) pool.setState(m.name, m.state);
      const limit = m.maxConnections > 0 ? Math.max(1, Math.ceil(m.maxConnections / workers)) : 0;
      if (server.maxConnections !== limit) pool.setMaxConnections(m.name, limit);
      pool.setHealthy(server, m.healthy, m.lastCheck?.message ?? '');
      server.lastCheck = m.lastCheck;
      pool.setEjected(server, m.ejected || ownEjections.has(`${name}/${m.name}`));
    }
  }
}

/** A worker's report of its sessions: per server, active now and started since the last report. */
export class SessionCounter {
  readonly #lastTotal = new WeakMap<Server, number>();
  readonly #lastActive = new WeakMap<Server, number>();

  /** pool → server → [localActive, started]; only servers whose figures moved (all of them when `full`). */
  report(pools: ReadonlyMap<string, Pool>, full: boolean): Record<string, Record<string, [number, number]>> {
    const out: Record<string, Record<string, [number, number]>> = {};
    for (const [name, pool] of pools) {
      for (const server of pool.servers()) {
        const started = server.total - (this.#lastTotal.get(server) ?? 0);
        const moved = started !== 0 || server.localActive !== (this.#lastActive.get(server) ?? 0);
        if (!moved && !full) continue;
        this.#lastTotal.set(server, server.total);
        this.#lastActive.set(server, server.localActive);
        (out[name] ??= {})[server.name] = [server.localActive, started];
      }
    }
    return out;
  }
}

/**
 * The primary's sum of its workers' sessions: each worker's last report,
 * folded into the primary's pools (localActive = the workers' sum, total
 * grows by what they started), and per worker the sessions elsewhere.
 */
export class WorkerSessions {
  /** worker id → `pool/server` → active. */
  readonly #byWorker = new Map<number, Map<string, number>>();

  update(
    worker: number,
    pools: ReadonlyMap<string, Pool>,
    counts: Readonly<Record<string, Readonly<Record<string, readonly [number, number]>>>>,
  ): void {
    let mine = this.#byWorker.get(worker);
    if (mine === undefined) {
      mine = new Map();
      this.#byWorker.set(worker, mine);
    }
    for (const [poolName, servers] of Object.entries(counts)) {
      const pool = pools.get(poolName);
      for (const [serverName, [active, started]] of Object.entries(servers)) {
        mine.set(`${poolName}/${serverName}`, active);
        const server = pool?.get(serverName);
        if (server === undefined) continue;
        server.total += started;
        pool!.setWorkerActive(server, this.#sum(`${poolName}/${serverName}`));
      }
    }
  }

  /** A worker is gone: its sessions are too. */
  forget(worker: number, pools: ReadonlyMap<string, Pool>): void {
    const mine = this.#byWorker.get(worker);
    this.#byWorker.delete(worker);
    if (mine === undefined) return;
    for (const key of mine.keys()) {
      const [poolName, serverName] = splitKey(key);
      const pool = pools.get(poolName);
      const server = pool?.get(serverName);
      if (server !== undefined) pool!.setWorkerActive(server, this.#sum(key));
    }
  }

  /** For one worker: sessions on each server elsewhere (other workers and other instances). */
  remoteFor(worker: number, pools: ReadonlyMap<string, Pool>): Record<string, Record<string, number>> {
    const mine = this.#byWorker.get(worker);
    const out: Record<string, Record<string, number>> = {};
    for (const [name, pool] of pools) {
      const servers: Record<string, number> = {};
      for (const server of pool.servers())
        servers[server.name] = Math.max(0, server.active - (mine?.get(`${name}/${server.name}`) ?? 0));
      out[name] = servers;
    }
    return out;
  }

  #sum(key: string): number {
    let sum = 0;
    for (const counts of this.#byWorker.values()) sum += counts.get(key) ?? 0;
    return sum;
  }
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

/** Applies the primary's "sessions elsewhere" to a worker's pools. */
export function applyRemoteCounts(
  pools: ReadonlyMap<string, Pool>,
  counts: Readonly<Record<string, Readonly<Record<string, number>>>>,
): void {
  for (const [poolName, servers] of Object.entries(counts)) {
    const pool = pools.get(poolName);
    if (pool === undefined) continue;
    for (const [serverName, remote] of Object.entries(servers)) {
      const server = pool.get(serverName);
      if (server !== undefined && server.remoteActive !== remote) pool.setRemoteActive(server, remote);
    }
  }
}
