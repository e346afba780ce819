import {
  type PickContext,
  registerScheduler,
  type Schedulable,
  type Scheduler,
  type SchedulerOptions,
} from '../scheduler.js';
import { MemoryTable } from '../state/memory-table.js';
import type { KeyValueTable } from '../state/state-store.js';
import { keyOf } from './support.js';
import { wlcPick } from './wlc.js';

/** IPVS's entry timeout, for a scheduler created without a pool's table. */
const DEFAULT_TABLE = { ttlMs: 6 * 60_000, maxEntries: 100_000 };

export function localityTable(options: SchedulerOptions): KeyValueTable {
  return options.table ?? new MemoryTable(DEFAULT_TABLE, options.now ?? Date.now);
}

/**
 * IPVS's is_overloaded(): the server has more active sessions than its
 * weight while some server is below half its weight. (The server itself can
 * never be below half when over its weight, so "some server" = "another".)
 */
export function isOverloaded(server: Schedulable, servers: readonly Schedulable[]): boolean {
  if (server.active <= server.weight) return false;
  for (let i = 0; i < servers.length; i++) {
    const other = servers[i]!;
    if (other.active * 2 < other.weight) return true;
  }
  return false;
}

/** Server name → position in the list, rebuilt when the list changes. */
export class NameIndex {
  #list: readonly Schedulable[] | undefined;
  #positions = new Map<string, number>();

  sync(servers: readonly Schedulable[]): void {
    if (servers === this.#list) return;
    const positions = new Map<string, number>();
    for (let i = 0; i < servers.length; i++) positions.set(servers[i]!.name, i);
    this.#list = servers;
    this.#positions = positions;
  }

  get(name: string): number | undefined {
    return this.#positions.get(name);
  }
}

/**
 * Locality-based least connection (ip_vs_lblc.c), keyed by ctx.key (else the
 * client address) instead of the destination IP: a key keeps its server
 * (cache affinity) unless that server left the eligible set or is
 * overloaded; then weighted least connection picks a new one (skipping
 * full servers, as IPVS skips overloaded ones) and the table remembers it.
 * A mapped server that is merely full is kept: the pool queues for it.
 * The table may be shared between lvs7 instances.
 */
export class LocalityScheduler implements Scheduler {
  readonly name = 'lblc';
  readonly #table: KeyValueTable;
  readonly #index = new NameIndex();

  constructor(options: SchedulerOptions = {}) {
    this.#table = localityTable(options);
  }

  update(servers: readonly Schedulable[]): void {
    this.#index.sync(servers);
  }

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    this.#index.sync(servers);
    const key = keyOf(ctx);
    const exclude = ctx.exclude;
    const mapped = this.#table.get(key);
    if (mapped !== undefined) {
      const at = this.#index.get(mapped);
      const server = at === undefined ? undefined : servers[at]!;
      if (server !== undefined && !isOverloaded(server, servers)) {
        if (!exclude?.has(server)) {
          this.#table.touch(key);
          return server;
        }
        // A retry excludes the mapped server for this request only: serve it
        // elsewhere but keep the mapping (health checks decide if it is down).
        return wlcPick(servers, exclude, true);
      }
    }
    const server = wlcPick(servers, exclude, true);
    if (server !== undefined) this.#table.set(key, server.name);
    return server;
  }
}

registerScheduler({
  name: 'lblc',
  aliases: ['locality'],
  hashing: true,
  description: 'locality-based least connection (IPVS lblc): a key keeps its server until it is overloaded',
  factory: (options) => new LocalityScheduler(options),
});
