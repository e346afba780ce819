import {
  type PickContext,
  registerScheduler,
  type Schedulable,
  type Scheduler,
  type SchedulerOptions,
} from '../scheduler.js';
import { murmur3 } from './hash.js';
import { allExcluded, isFull, keyOf, positionsByName, VisitSet, weightGcd } from './support.js';

const DEFAULT_TABLE_SIZE = 65537;
// Seeds of the two independent hashes of a server name (offset and skip).
const OFFSET_SEED = 0x4d61676c; // "Magl"
const SKIP_SEED = 0x65764c42; // "evLB"
const KEY_SEED = 0;

export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/**
 * Maglev hashing (Eisenbud et al., NSDI 2016; ip_vs_mh.c). Each server walks
 * its own permutation of a prime-sized lookup table, (offset + j*skip) mod M
 * with offset and skip from two hashes of its NAME, so every instance
 * builds the same table; servers take turns claiming their next free slot
 * until the table is full. Weighted as IPVS: a server claims weight/gcd slots
 * per turn. Lookup is one array read; adding or removing a server moves
 * about 1/N of the keys; equal weights get equal shares to within one slot.
 */
export class MaglevScheduler implements Scheduler {
  readonly name = 'mh';
  readonly #size: number;
  readonly #fallback: boolean;
  #list: readonly Schedulable[] | undefined;
  #lookup: Int32Array = new Int32Array(0);
  readonly #visits = new VisitSet();

  constructor(options: SchedulerOptions = {}) {
    const size = options.tableSize ?? DEFAULT_TABLE_SIZE;
    if (!isPrime(size)) throw new RangeError(`mh: tableSize must be a prime number, got ${size}`);
    this.#size = size;
    this.#fallback = options.fallback ?? false;
  }

  update(servers: readonly Schedulable[]): void {
    this.#list = servers;
    this.#lookup = servers.length === 0 ? new Int32Array(0) : this.#populate(servers);
  }

  /** Lookup-table slots owned by each server of the last list (for status pages and tests). */
  slotCounts(): number[] {
    const counts = new Array<number>(this.#list?.length ?? 0).fill(0);
    for (const at of this.#lookup) counts[at]++;
    return counts;
  }

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    if (servers !== this.#list) this.update(servers);
    const lookup = this.#lookup;
    if (lookup.length === 0) return undefined;
    const exclude = ctx.exclude;
    let slot = murmur3(keyOf(ctx), KEY_SEED) % this.#size;
    const home = servers[lookup[slot]!]!;
    if (!exclude?.has(home) && !(this.#fallback && isFull(home))) return home;
    // Walk forward: the table interleaves servers, so the next slots lead to
    // other servers in proportion to their weights.
    if (allExcluded(servers, exclude)) return undefined;
    const visits = this.#visits;
    visits.begin(servers.length);
    for (let i = 0; i < this.#size; i++) {
      const at = lookup[slot]!;
      if (visits.first(at)) {
        const server = servers[at]!;
        if (!exclude?.has(server) && !(this.#fallback && isFull(server))) return server;
        if (visits.count === servers.length) return undefined;
      }
      if (++slot === this.#size) slot = 0;
    }
    return undefined;
  }

  #populate(servers: readonly Schedulable[]): Int32Array {
    const m = this.#size;
    const n = servers.length;
    const order = positionsByName(servers);
    const gcd = weightGcd(servers);
    const next = new Float64Array(n); // each server's next permutation slot
    const skip = new Float64Array(n);
    const turns = new Int32Array(n);
    let totalTurns = 0;
    for (let r = 0; r < n; r++) {
      const server = servers[order[r]!]!;
      next[r] = murmur3(server.name, OFFSET_SEED) % m;
      skip[r] = (murmur3(server.name, SKIP_SEED) % (m - 1)) + 1;
      turns[r] = Math.max(1, Math.round(server.weight / gcd));
      totalTurns += turns[r]!;
    }
    // Many turns per round leave the last, partial round unfair; keep a round
    // under 1/64 of the table (IPVS shifts weights down for the same reason).
    const maxRound = Math.max(n, Math.floor(m / 64));
    if (totalTurns > maxRound) {
      for (let r = 0; r < n; r++) turns[r] = Math.max(1, Math.round((turns[r]! * maxRound) / totalTurns));
    }
    const lookup = new Int32Array(m).fill(-1);
    let filled = 0;
    while (filled < m) {
      for (let r = 0; r < n && filled < m; r++) {
        for (let t = 0; t < turns[r]! && filled < m; t++) {
          let c = next[r]!;
          while (lookup[c]! >= 0) {
            c += skip[r]!;
            if (c >= m) c -= m;
          }
          lookup[c] = order[r]!;
          next[r] = c;
          filled++;
        }
      }
    }
    return lookup;
  }
}

registerScheduler({
  name: 'mh',
  aliases: ['maglev'],
  hashing: true,
  description: 'Maglev hashing (IPVS mh): a prime lookup table, weighted, minimal disruption',
  factory: (options) => new MaglevScheduler(options),
});
