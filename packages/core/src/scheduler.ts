import { UnknownSchedulerError } from './errors.js';
import type { KeyValueTable } from './state/state-store.js';

/** What a scheduler may read of a server. Eligible servers always have weight > 0. */
export interface Schedulable {
  readonly name: string;
  /** Effective weight (slow start applied), 1..256 for eligible servers. */
  readonly weight: number;
  /** Sessions in flight (all lvs7 instances). */
  readonly active: number;
  /** Idle connections (IPVS's inactive). */
  readonly inactive: number;
}

export interface PickContext {
  /** Value for hashing schedulers: URL, host, cookie, mailbox, cache key. */
  key?: string | undefined;
  /** Client IP address, for `sh` and as the key fallback. */
  clientAddress?: string | undefined;
  /** Servers already tried for this request (retries); a scheduler never returns one of them. */
  exclude?: ReadonlySet<Schedulable> | undefined;
}

/**
 * A scheduler is synchronous and does no I/O. The pool calls `update` with the
 * eligible servers whenever that set or a weight changes, and `pick` with the
 * same array until the next `update`.
 */
export interface Scheduler {
  readonly name: string;
  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined;
  update?(servers: readonly Schedulable[]): void;
}

export interface SchedulerOptions {
  /** Locality / persistence table (lblc, lblcr, sh persistence); in-process or shared through Redis. */
  readonly table?: KeyValueTable | undefined;
  /** Bounded-load hashing: max load = ceil(average * balanceFactor); e.g. 1.25. */
  readonly balanceFactor?: number | undefined;
  /** `sh`: when the hashed server is ineligible, pick another instead of none. */
  readonly fallback?: boolean | undefined;
  /** `mh`: Maglev lookup table size (a prime); default 65537. */
  readonly tableSize?: number | undefined;
  /** `ring`: points per unit of weight; default 160 as ketama. */
  readonly pointsPerWeight?: number | undefined;
  /** `lblcr`: ms after which an unchanged server set shrinks; default 6 min (IPVS's entry timeout; its lblcr_expiration sysctl defaults to 24 h). */
  readonly lblcrShrinkAfterMs?: number | undefined;
  /** Injected clock and randomness, for tests. */
  readonly now?: (() => number) | undefined;
  readonly random?: (() => number) | undefined;
}

export type SchedulerFactory = (options: SchedulerOptions) => Scheduler;

export interface SchedulerInfo {
  readonly name: string;
  readonly aliases: readonly string[];
  /** Uses `ctx.key` (or the client address) to choose. */
  readonly hashing: boolean;
  readonly description: string;
  readonly factory: SchedulerFactory;
}

const registry = new Map<string, SchedulerInfo>();

export function registerScheduler(info: SchedulerInfo): void {
  registry.set(info.name, info);
  for (const alias of info.aliases) registry.set(alias, info);
}

export function schedulerInfo(name: string): SchedulerInfo | undefined {
  return registry.get(name);
}

/** Every registered name and alias, sorted. */
export function schedulerNames(): string[] {
  return [...registry.keys()].sort();
}

export function createScheduler(name: string, options: SchedulerOptions = {}): Scheduler {
  const info = registry.get(name);
  if (!info) throw new UnknownSchedulerError(name, schedulerNames());
  return info.factory(options);
}
