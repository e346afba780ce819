import type { Schedulable } from '../scheduler.js';
import { fmix32 } from './hash.js';
import { allExcluded, isFull, positionsByName, VisitSet } from './support.js';

const MIN_BITS = 8; // IPVS's 256 buckets
const MAX_BITS = 16;

/**
 * The hash table of `dh` and `sh`: a power-of-two number of buckets, each
 * naming a server, a server's bucket count proportional to its weight (as
 * ip_vs_sh_reassign; IPVS's dh ignores weights). IPVS's fixed 256 buckets
 * cannot weigh 1,000 servers, so the table grows with the total weight
 * (16 buckets per unit, 256 to 65,536). Built over the eligible servers in
 * name order: every instance with the same servers builds the same table.
 */
export class BucketTable {
  #list: readonly Schedulable[] | undefined;
  #buckets = new Int32Array(0);
  #mask = 0;
  readonly #visits = new VisitSet();

  sync(servers: readonly Schedulable[]): void {
    if (servers === this.#list) return;
    this.#list = servers;
    const n = servers.length;
    let total = 0;
    for (const s of servers) total += s.weight;
    let bits = MIN_BITS;
    while (bits < MAX_BITS && 1 << bits < total * 16) bits++;
    const size = 1 << bits;
    const buckets = new Int32Array(n === 0 ? 0 : size);
    if (n > 0) {
      // Every server gets one bucket, the rest go by largest remainder of
      // its weighted share; runs are laid out in name order.
      const order = positionsByName(servers);
      const counts = new Int32Array(n);
      const remainders = new Float64Array(n);
      const spare = Math.max(0, size - n);
      let given = 0;
      for (let r = 0; r < n; r++) {
        const exact = (spare * servers[order[r]!]!.weight) / total;
        counts[r] = 1 + Math.floor(exact);
        remainders[r] = exact - Math.floor(exact);
        given += counts[r]!;
      }
      const byRemainder = Int32Array.from(counts.keys()).sort(
        (a, b) => remainders[b]! - remainders[a]! || a - b,
      );
      for (let i = 0; given < size; i++, given++) counts[byRemainder[i % n]!]++;
      let b = 0;
      for (let r = 0; r < n; r++) for (let c = 0; c < counts[r]! && b < size; c++) buckets[b++] = order[r]!;
    }
    this.#buckets = buckets;
    this.#mask = size - 1;
  }

  /** The server of the hashed bucket (no fallback), undefined for an empty list. */
  home<S extends Schedulable>(servers: readonly S[], hash: number): S | undefined {
    if (this.#buckets.length === 0) return undefined;
    return servers[this.#buckets[hash & this.#mask]!];
  }

  /**
   * The hashed bucket's server, else the next acceptable one along a probe
   * sequence (double hashing with an odd stride visits every bucket of a
   * power-of-two table). Consecutive buckets hold the same server, so plain
   * linear probing would pour a missing server's keys onto one neighbour.
   */
  walk<S extends Schedulable>(
    servers: readonly S[],
    hash: number,
    exclude: ReadonlySet<Schedulable> | undefined,
    skipFull: boolean,
  ): S | undefined {
    const buckets = this.#buckets;
    const n = servers.length;
    if (buckets.length === 0 || allExcluded(servers, exclude)) return undefined;
    const mask = this.#mask;
    const stride = (fmix32(hash ^ 0x9e3779b9) | 1) & mask;
    const visits = this.#visits;
    visits.begin(n);
    let b = hash & mask;
    for (let i = 0; i <= mask; i++, b = (b + stride) & mask) {
      const at = buckets[b]!;
      if (!visits.first(at)) continue;
      const server = servers[at]!;
      if (!exclude?.has(server) && !(skipFull && isFull(server))) return server;
      if (visits.count === n) return undefined;
    }
    return undefined;
  }
}
