import type { Schedulable } from '../scheduler.js';

/**
 * Weighted random draws for `random` and `p2c`: cumulative weights built once
 * per server list, then a binary search per draw (O(log n), no allocation).
 */
export class WeightedSampler {
  #list: readonly Schedulable[] | undefined;
  #cumulative = new Float64Array(0);
  #total = 0;

  /** Rebuilds the cumulative weights when the list changed (the pool passes a new array on every change). */
  sync(servers: readonly Schedulable[]): void {
    if (servers === this.#list) return;
    const cumulative = new Float64Array(servers.length);
    let total = 0;
    for (let i = 0; i < servers.length; i++) {
      total += Math.max(0, servers[i]!.weight);
      cumulative[i] = total;
    }
    this.#list = servers;
    this.#cumulative = cumulative;
    this.#total = total;
  }

  /**
   * The position drawn for `r` in [0, 1) with probability weight/total, or
   * -1 when the list is empty. Excluded servers are redrawn a few times (cheap
   * when few are excluded), then drawn exactly over the rest in one pass.
   */
  draw(
    servers: readonly Schedulable[],
    r: () => number,
    exclude: ReadonlySet<Schedulable> | undefined,
  ): number {
    const n = servers.length;
    if (n === 0 || this.#total <= 0) return -1;
    for (let attempt = 0; attempt < 4; attempt++) {
      const at = this.#search(r() * this.#total);
      if (exclude === undefined || !exclude.has(servers[at]!)) return at;
    }
    let rest = 0;
    for (let i = 0; i < n; i++) if (!exclude!.has(servers[i]!)) rest += servers[i]!.weight;
    if (rest <= 0) return -1;
    let target = r() * rest;
    let last = -1;
    for (let i = 0; i < n; i++) {
      const server = servers[i]!;
      if (exclude!.has(server)) continue;
      last = i;
      target -= server.weight;
      if (target < 0) return i;
    }
    return last; // rounding at the very end of the range
  }

  /** First position whose cumulative weight exceeds `target`. */
  #search(target: number): number {
    const cumulative = this.#cumulative;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
