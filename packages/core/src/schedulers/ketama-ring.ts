import { hash as digestOf } from 'node:crypto';
import type { Schedulable } from '../scheduler.js';
import { positionsByName } from './support.js';

const DEFAULT_POINTS_PER_WEIGHT = 160;
/**
 * Ring size budget. Beyond it every server's point count is divided by the
 * same power of two: between those rare steps, points still depend only on a
 * server's own name and weight (so joins, leaves and slow-start ramps move
 * only that server's keys), and builds stay in tens of milliseconds.
 */
const MAX_POINTS = 1 << 17;
/** Sort keys pack point * 2^20 + rank into a double (exact up to 2^53). */
const RANK_SPACE = 1 << 20;

/**
 * A ketama continuum (libketama, as memcached clients): each server owns
 * pointsPerWeight*weight points (as HAProxy's consistent hash, rather than
 * libketama's share of the total, which moves every server's points when the
 * average weight changes), four per md5(`${name}-${i}`) read little-endian
 * as libketama does. A server joining or leaving moves only the keys of its
 * own points. md5 runs at build time only, and each name's points are cached
 * so slow-start weight ramps rebuild cheaply.
 */
export class KetamaRing {
  readonly pointsPerWeight: number;
  #list: readonly Schedulable[] | undefined;
  /** Sorted point values, and the position (in the server list) owning each. */
  points = new Uint32Array(0);
  owners = new Int32Array(0);
  #cache = new Map<string, Uint32Array>();

  constructor(pointsPerWeight: number | undefined) {
    const ppw = pointsPerWeight ?? DEFAULT_POINTS_PER_WEIGHT;
    if (!Number.isInteger(ppw) || ppw < 1)
      throw new RangeError(`pointsPerWeight must be a positive integer, got ${ppw}`);
    this.pointsPerWeight = ppw;
  }

  sync(servers: readonly Schedulable[]): void {
    if (servers === this.#list) return;
    this.#list = servers;
    const n = servers.length;
    let wanted = 0;
    for (const s of servers) wanted += this.pointsPerWeight * s.weight;
    let unit = 1;
    while (wanted / unit > MAX_POINTS) unit *= 2;
    // Ranks (name order) break ties between equal points the same way everywhere.
    const order = positionsByName(servers);
    const counts = new Int32Array(n);
    let total = 0;
    for (let r = 0; r < n; r++) {
      counts[r] = Math.max(1, Math.round((this.pointsPerWeight * servers[order[r]!]!.weight) / unit));
      total += counts[r]!;
    }
    const keys = new Float64Array(total);
    const cache = new Map<string, Uint32Array>();
    let j = 0;
    for (let r = 0; r < n; r++) {
      const name = servers[order[r]!]!.name;
      const own = this.#pointsOf(name, counts[r]!);
      cache.set(name, own);
      for (let k = 0; k < counts[r]!; k++) keys[j++] = own[k]! * RANK_SPACE + r;
    }
    keys.sort();
    const points = new Uint32Array(total);
    const owners = new Int32Array(total);
    for (let i = 0; i < total; i++) {
      const point = Math.floor(keys[i]! / RANK_SPACE);
      points[i] = point;
      owners[i] = order[keys[i]! - point * RANK_SPACE]!;
    }
    this.points = points;
    this.owners = owners;
    this.#cache = cache; // only current servers' points stay cached
  }

  /** Index of the first point at or after `hash`, wrapping to 0 past the last. */
  find(hash: number): number {
    const points = this.points;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === points.length ? 0 : lo;
  }

  #pointsOf(name: string, count: number): Uint32Array {
    const cached = this.#cache.get(name);
    if (cached !== undefined && cached.length >= count) return cached;
    const digests = Math.ceil(count / 4);
    const own = new Uint32Array(digests * 4);
    let from = 0;
    if (cached !== undefined) {
      own.set(cached);
      from = cached.length / 4;
    }
    for (let i = from; i < digests; i++) {
      const digest = digestOf('md5', `${name}-${i}`, 'buffer');
      for (let h = 0; h < 4; h++) own[i * 4 + h] = digest.readUInt32LE(h * 4);
    }
    return own;
  }
}
