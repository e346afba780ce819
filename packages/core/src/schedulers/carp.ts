import {
  type PickContext,
  registerScheduler,
  type Schedulable,
  type Scheduler,
  type SchedulerOptions,
} from '../scheduler.js';
import { keyOf } from './support.js';

/** The multiplier of the CARP draft's combined hash (and of the member hash's last step). */
const CARP_MULTIPLIER = 0x62531965;

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

/**
 * Accumulates `text`'s UTF-8 bytes into a 32-bit CARP hash: h += ROTL(h, 19) + byte.
 * Bytes are sign-extended as Squid's `char` is on x86 (only non-ASCII bytes
 * are affected), so lvs7 and Squid agree on the same names and URLs.
 */
function accumulate(text: string, h: number): number {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    h = (h + rotl(h, 19) + (b < 0x80 ? b : b - 0x100)) >>> 0;
  }
  return h;
}

/** h += h * 0x62531965, then ROTL(h, 21): the draft's mixing step. */
function mix(h: number): number {
  return rotl((h + Math.imul(h, CARP_MULTIPLIER)) >>> 0, 21);
}

/** A member's hash (Squid: p->carp.hash), from its name. */
export function carpMemberHash(name: string): number {
  return mix(accumulate(name, 0));
}

/**
 * A request key's hash (the URL, or lvs7's cache key), computed once per
 * pick. `seed` continues an earlier hash (to reproduce Squid's accumulated
 * key hashes in tests); the scheduler always starts from 0.
 */
export function carpKeyHash(key: string, seed = 0): number {
  return accumulate(key, seed >>> 0);
}

/** The combined hash a member scores a key by, before its load multiplier. */
export function carpCombinedHash(keyHash: number, memberHash: number): number {
  return mix((keyHash ^ memberHash) >>> 0);
}

/**
 * Load factors and multipliers as Squid's carpInit: factor = weight / total
 * (0 below 0.1%), members sorted by weight ascending, then
 * X_k = ((K-k+1)(P_k - P_{k-1}) / (X_1...X_{k-1}) + X_{k-1}^(K-k+1))^(1/(K-k+1)).
 * Members whose factor rounds to 0 get multiplier 0 and stay out of the
 * chain (in Squid a 0 factor first in line divides by zero); for them K
 * counts only the others.
 */
export function carpMultipliers(weights: readonly number[]): { factors: number[]; multipliers: number[] } {
  let total = 0;
  for (const w of weights) total += w;
  const factors = weights.map((w) => {
    const f = total > 0 ? w / total : 0;
    return Math.floor(f * 1000) === 0 ? 0 : f;
  });
  const multipliers = new Array<number>(weights.length).fill(0);
  const order = [...weights.keys()].filter((i) => factors[i]! > 0).sort((a, b) => factors[a]! - factors[b]!);
  const k = order.length;
  let pLast = 0;
  let xLast = 0;
  let product = 1;
  for (let step = 1; step <= k; step++) {
    const i = order[step - 1]!;
    const kk1 = k - step + 1;
    let x = (kk1 * (factors[i]! - pLast)) / product;
    x += xLast ** kk1;
    x **= 1 / kk1;
    multipliers[i] = x;
    product *= x;
    xLast = x;
    pLast = factors[i]!;
  }
  return { factors, multipliers };
}

interface Member {
  readonly position: number;
  readonly hash: number;
  readonly multiplier: number;
}

/**
 * The Cache Array Routing Protocol (CARP draft v1.0, as Squid picks its
 * `carp` parents): every member scores the key, combined hash of the key's
 * and the member's hashes times the member's load multiplier, and the
 * highest score wins. Multipliers make shares follow weights; a member
 * leaving moves only its own keys when weights are equal (with unequal
 * weights the others' multipliers shift slightly, as in Squid).
 *
 * One deliberate difference: Squid (3.2+) does not reset the key hash
 * between members, so each member after the first scores a different
 * accumulated hash and a member leaving reshuffles the ones after it;
 * lvs7 hashes the key once, as the draft and Squid before carp-key did.
 */
export class CarpScheduler implements Scheduler {
  readonly name = 'carp';
  #list: readonly Schedulable[] | undefined;
  /** Members sorted by weight ascending, then name (Squid's order; ties go to the first). */
  #members: Member[] = [];
  readonly #hashes = new Map<string, number>();

  update(servers: readonly Schedulable[]): void {
    this.#list = servers;
    const { multipliers } = carpMultipliers(servers.map((s) => s.weight));
    const members: Member[] = servers.map((s, position) => ({
      position,
      hash: this.#hashOf(s.name),
      multiplier: multipliers[position]!,
    }));
    members.sort((a, b) => {
      const x = servers[a.position]!;
      const y = servers[b.position]!;
      return x.weight - y.weight || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);
    });
    this.#members = members;
  }

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    if (servers !== this.#list) this.update(servers);
    const members = this.#members;
    if (members.length === 0) return undefined;
    const exclude = ctx.exclude;
    const keyHash = carpKeyHash(keyOf(ctx));
    let best: S | undefined;
    let bestScore = 0;
    let fallback: S | undefined;
    for (const m of members) {
      const server = servers[m.position]!;
      if (exclude?.has(server)) continue;
      fallback ??= server;
      const score = carpCombinedHash(keyHash, m.hash) * m.multiplier;
      if (score > bestScore) {
        best = server;
        bestScore = score;
      }
    }
    // Only members with a zero multiplier (or score) left: any of them.
    return best ?? fallback;
  }

  #hashOf(name: string): number {
    let h = this.#hashes.get(name);
    if (h === undefined) {
      h = carpMemberHash(name);
      if (this.#hashes.size > 4096) this.#hashes.clear();
      this.#hashes.set(name, h);
    }
    return h;
  }
}

registerScheduler({
  name: 'carp',
  aliases: [],
  hashing: true,
  description: 'Cache Array Routing Protocol (Squid carp parents): highest weighted combined hash',
  factory: (_options: SchedulerOptions) => new CarpScheduler(),
});
