import type { PickContext, Schedulable } from '../scheduler.js';

/** The key of key-hashing schedulers (dh, lblc, ring, ...): ctx.key, else the client address. */
export function keyOf(ctx: PickContext): string {
  return ctx.key ?? ctx.clientAddress ?? '';
}

/** The key of source hashing (sh): the client address, else ctx.key. */
export function sourceOf(ctx: PickContext): string {
  return ctx.clientAddress ?? ctx.key ?? '';
}

/**
 * True for a server at its connection limit. Schedulable does not expose
 * limits, but lvs7's Server has a `full` getter; the fallback options (IPVS's
 * sh-fallback / mh-fallback skip "overloaded" servers) read it when present.
 */
export function isFull(server: Schedulable): boolean {
  return (server as { readonly full?: unknown }).full === true;
}

/** True when every server of the list is excluded (so a table walk would find nothing). */
export function allExcluded(
  servers: readonly Schedulable[],
  exclude: ReadonlySet<Schedulable> | undefined,
): boolean {
  if (exclude === undefined || exclude.size < servers.length) return false;
  for (let i = 0; i < servers.length; i++) if (!exclude.has(servers[i]!)) return false;
  return true;
}

/**
 * Positions of `servers` sorted by name. Hash tables are built in this order
 * so that every lvs7 instance builds the same table whatever the order its
 * configuration lists the servers in.
 */
export function positionsByName(servers: readonly Schedulable[]): Int32Array {
  const positions = Int32Array.from(servers.keys());
  // Plain code-unit order (not localeCompare): identical in every locale and process.
  return positions.sort((a, b) => {
    const x = servers[a]!.name;
    const y = servers[b]!.name;
    return x < y ? -1 : x > y ? 1 : a - b;
  });
}

/** Greatest common divisor of the weights (1 for an empty list). */
export function weightGcd(servers: readonly Schedulable[]): number {
  let g = 0;
  for (const s of servers) {
    let a = Math.max(1, Math.round(s.weight));
    let b = g;
    while (b !== 0) [a, b] = [b, a % b];
    g = a;
  }
  return g || 1;
}

/**
 * Remembers which server positions a table walk has already looked at during
 * one pick, without allocating: a stamp per position, bumped once per pick.
 * Walks stop once every server has been seen, so a table full of excluded or
 * full servers costs O(table) at worst, usually much less.
 */
export class VisitSet {
  #stamps = new Uint32Array(0);
  #epoch = 0;
  #count = 0;

  begin(size: number): void {
    if (this.#stamps.length < size) {
      this.#stamps = new Uint32Array(size);
      this.#epoch = 0;
    }
    if (++this.#epoch === 0xffffffff) {
      this.#stamps.fill(0);
      this.#epoch = 1;
    }
    this.#count = 0;
  }

  /** True the first time `position` is visited since begin(). */
  first(position: number): boolean {
    if (this.#stamps[position] === this.#epoch) return false;
    this.#stamps[position] = this.#epoch;
    this.#count++;
    return true;
  }

  /** Distinct positions visited since begin(). */
  get count(): number {
    return this.#count;
  }
}
