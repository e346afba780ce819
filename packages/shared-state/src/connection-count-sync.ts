import { EventEmitter } from 'node:events';
import type { Pool } from '@lvs7/core';
import type { RedisLink } from './internal/redis-link.js';
import { SnapshotExchange } from './internal/snapshot-exchange.js';

export interface ConnectionCountSyncOptions {
  /** The instance's pools now (the map may be replaced on reload). */
  readonly pools: () => ReadonlyMap<string, Pool>;
  /** How often counts are published and read; default 200 ms. */
  readonly intervalMs?: number | undefined;
  /** A dead instance's counts vanish after this; default 5 × interval. */
  readonly ttlMs?: number | undefined;
}

export interface ConnectionCountSyncEvents {
  /** Remote counts were applied to the pools (after every exchange). */
  synced: [];
}

/** `{ pool: { server: localActive } }`, non-zero counts only. */
type Counts = Record<string, Record<string, number>>;

/**
 * Makes lc/wlc/sed/nq see the cluster's load: every interval this instance
 * stores its servers' localActive in Redis (with a ttl) and reads the other
 * instances', and sets each server's remoteActive to their sum. Nothing
 * happens per session. While Redis is unreachable the last sums stay for
 * one ttl, then drop to 0 (local counts only) until Redis returns.
 */
export class ConnectionCountSync extends EventEmitter<ConnectionCountSyncEvents> {
  readonly intervalMs: number;
  readonly ttlMs: number;
  readonly #pools: () => ReadonlyMap<string, Pool>;
  readonly #exchange: SnapshotExchange;

  constructor(link: RedisLink, options: ConnectionCountSyncOptions) {
    super();
    this.#pools = options.pools;
    this.intervalMs = options.intervalMs ?? 200;
    this.ttlMs = options.ttlMs ?? this.intervalMs * 5;
    this.#exchange = new SnapshotExchange(link, {
      kind: 'active',
      intervalMs: this.intervalMs,
      ttlMs: this.ttlMs,
      snapshot: () => JSON.stringify(this.localCounts()),
      onOthers: (others) => this.#apply(others),
    });
  }

  start(): this {
    this.#exchange.start();
    return this;
  }

  stop(): void {
    this.#exchange.stop();
  }

  /** Publishes and reads now (tests, and right after a burst of sessions). */
  sync(): Promise<void> {
    return this.#exchange.exchange();
  }

  /** This instance's non-zero localActive per pool and server. */
  localCounts(): Counts {
    const counts: Counts = {};
    for (const [name, pool] of this.#pools()) {
      for (const server of pool.servers()) {
        if (server.localActive <= 0) continue;
        counts[name] ??= {};
        counts[name][server.name] = server.localActive;
      }
    }
    return counts;
  }

  #apply(others: ReadonlyMap<string, string>): void {
    const sums = new Map<string, number>();
    for (const text of others.values()) {
      let counts: unknown;
      try {
        counts = JSON.parse(text);
      } catch {
        continue;
      }
      if (typeof counts !== 'object' || counts === null) continue;
      for (const [pool, servers] of Object.entries(counts as Record<string, unknown>)) {
        if (typeof servers !== 'object' || servers === null) continue;
        for (const [server, n] of Object.entries(servers as Record<string, unknown>)) {
          if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) continue;
          const id = `${pool}\u0000${server}`;
          sums.set(id, (sums.get(id) ?? 0) + n);
        }
      }
    }
    for (const [name, pool] of this.#pools()) {
      for (const server of pool.servers()) {
        const remote = sums.get(`${name}\u0000${server.name}`) ?? 0;
        if (server.remoteActive !== remote) pool.setRemoteActive(server, remote);
      }
    }
    this.emit('synced');
  }
}
