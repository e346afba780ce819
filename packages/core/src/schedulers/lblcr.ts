import {
  type PickContext,
  registerScheduler,
  type Schedulable,
  type Scheduler,
  type SchedulerOptions,
} from '../scheduler.js';
import type { KeyValueTable } from '../state/state-store.js';
import { isOverloaded, localityTable, NameIndex } from './lblc.js';
import { overhead } from './lc.js';
import { isFull, keyOf } from './support.js';
import { wlcPick } from './wlc.js';

const DEFAULT_SHRINK_AFTER_MS = 6 * 60_000;

/**
 * Locality-based least connection with replication (ip_vs_lblcr.c): a key
 * maps to a SET of servers. The least loaded member (weighted least
 * connection) serves it; when none is eligible, or that member is
 * overloaded (lblc's rule), weighted least connection over every server
 * picks one more member. A set unchanged for lblcrShrinkAfterMs loses its
 * most loaded member, so replicas of a cooled-down key are reclaimed.
 *
 * Table value: "<last modified ms>\n<name>\n<name>…", newest member first
 * (IPVS adds members at the head of its list, which matters for ties). A
 * string so that shared (Redis) tables can hold it.
 */
export class ReplicatedLocalityScheduler implements Scheduler {
  readonly name = 'lblcr';
  readonly #table: KeyValueTable;
  readonly #now: () => number;
  readonly #shrinkAfterMs: number;
  readonly #index = new NameIndex();
  /** Parsed members of the entry being scheduled (reused across picks). */
  readonly #members: string[] = [];

  constructor(options: SchedulerOptions = {}) {
    this.#table = localityTable(options);
    this.#now = options.now ?? Date.now;
    this.#shrinkAfterMs = options.lblcrShrinkAfterMs ?? DEFAULT_SHRINK_AFTER_MS;
  }

  update(servers: readonly Schedulable[]): void {
    this.#index.sync(servers);
  }

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    this.#index.sync(servers);
    const key = keyOf(ctx);
    const exclude = ctx.exclude;
    const now = this.#now();
    const raw = this.#table.get(key);
    if (raw === undefined) {
      const server = wlcPick(servers, exclude, true);
      if (server !== undefined) this.#table.set(key, `${now}\n${server.name}`);
      return server;
    }
    const members = this.#members;
    let lastModified = parseEntry(raw, members);
    let changed = false;
    // IPVS's order: choose the least loaded member, then shrink (which may
    // drop that very member: it still serves this one session), then check it.
    let server = this.#leastLoadedMember(members, servers, exclude);
    if (members.length > 1 && now > lastModified + this.#shrinkAfterMs) {
      this.#dropMostLoaded(members, servers);
      lastModified = now;
      changed = true;
    }
    if (server === undefined || isOverloaded(server, servers)) {
      server = wlcPick(servers, exclude, true);
      if (server !== undefined && !members.includes(server.name)) {
        members.unshift(server.name);
        lastModified = now;
        changed = true;
      }
    }
    if (changed) this.#table.set(key, `${lastModified}\n${members.join('\n')}`);
    else this.#table.touch(key);
    return server;
  }

  /** ip_vs_dest_set_min: weighted least connection over the eligible members not excluded or full. */
  #leastLoadedMember<S extends Schedulable>(
    members: readonly string[],
    servers: readonly S[],
    exclude: ReadonlySet<Schedulable> | undefined,
  ): S | undefined {
    let least: S | undefined;
    let loh = 0;
    for (const name of members) {
      const at = this.#index.get(name);
      if (at === undefined) continue;
      const server = servers[at]!;
      if (exclude?.has(server) || isFull(server)) continue;
      const doh = overhead(server);
      if (least === undefined || loh * server.weight > doh * least.weight) {
        least = server;
        loh = doh;
      }
    }
    return least;
  }

  /**
   * ip_vs_dest_set_max, then erase: the member with the highest
   * overhead/weight (first on ties). A member no longer eligible goes first:
   * IPVS never sees such members (removing a destination drops it), and
   * keeping them would make the set shrink its live members instead.
   */
  #dropMostLoaded(members: string[], servers: readonly Schedulable[]): void {
    let most = -1;
    let moh = 0;
    let mw = 1;
    for (let i = 0; i < members.length; i++) {
      const at = this.#index.get(members[i]!);
      if (at === undefined) {
        most = i;
        break;
      }
      const server = servers[at]!;
      const doh = overhead(server);
      if (most < 0 || moh * server.weight < doh * mw) {
        most = i;
        moh = doh;
        mw = server.weight;
      }
    }
    if (most >= 0) members.splice(most, 1);
  }
}

/** Fills `members` from a table value and returns its last-modified time (0 if unreadable). */
function parseEntry(raw: string, members: string[]): number {
  members.length = 0;
  let end = raw.indexOf('\n');
  if (end < 0) end = raw.length;
  const lastModified = Number(raw.slice(0, end)) || 0;
  let at = end + 1;
  while (at < raw.length) {
    end = raw.indexOf('\n', at);
    if (end < 0) end = raw.length;
    if (end > at) members.push(raw.slice(at, end));
    at = end + 1;
  }
  return lastModified;
}

registerScheduler({
  name: 'lblcr',
  aliases: [],
  hashing: true,
  description: 'locality-based least connection with replication (IPVS lblcr): a key maps to a server set',
  factory: (options) => new ReplicatedLocalityScheduler(options),
});
