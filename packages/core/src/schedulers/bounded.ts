import {
  type PickContext,
  registerScheduler,
  type Schedulable,
  type Scheduler,
  type SchedulerOptions,
} from '../scheduler.js';
import { murmur3 } from './hash.js';
import { KetamaRing } from './ketama-ring.js';
import { keyOf, VisitSet } from './support.js';

const DEFAULT_BALANCE_FACTOR = 1.25;

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam
 * 2018; HAProxy's hash-balance-factor, Envoy's hash_balance_factor): on the
 * same weighted ketama ring as `ring`, the key goes to the first server
 * clockwise whose active sessions are under its bound, HAProxy's formula:
 *   slots = ceil((sum of active + 1) * balanceFactor)
 *   bound = ceil(slots * weight / total weight)
 * Integer arithmetic in thousandths of the factor, so bounds never depend on
 * float rounding. With no load every server is under its bound and this is
 * exactly `ring`. The bounds add up to more than the load, so someone is
 * always under; should every candidate be excluded or at its bound, the
 * first one not excluded is used.
 */
export class BoundedLoadScheduler implements Scheduler {
  readonly name = 'bounded';
  readonly #ring: KetamaRing;
  readonly #factorMilli: number;
  readonly #visits = new VisitSet();
  #list: readonly Schedulable[] | undefined;
  #totalWeight = 0;

  constructor(options: SchedulerOptions = {}) {
    const factor = options.balanceFactor ?? DEFAULT_BALANCE_FACTOR;
    if (!(factor >= 1)) throw new RangeError(`bounded: balanceFactor must be >= 1, got ${factor}`);
    this.#factorMilli = Math.round(factor * 1000);
    this.#ring = new KetamaRing(options.pointsPerWeight);
  }

  update(servers: readonly Schedulable[]): void {
    this.#ring.sync(servers);
    this.#list = servers;
    let total = 0;
    for (const s of servers) total += s.weight;
    this.#totalWeight = total;
  }

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    if (servers !== this.#list) this.update(servers);
    const owners = this.#ring.owners;
    const n = servers.length;
    if (owners.length === 0) return undefined;
    const exclude = ctx.exclude;
    let load = 0;
    for (let i = 0; i < n; i++) load += servers[i]!.active;
    const slots = Math.ceil(((load + 1) * this.#factorMilli) / 1000);
    const totalWeight = this.#totalWeight;
    const visits = this.#visits;
    visits.begin(n);
    let fallback: S | undefined;
    let i = this.#ring.find(murmur3(keyOf(ctx)));
    for (let steps = 0; steps < owners.length; steps++) {
      const at = owners[i]!;
      if (visits.first(at)) {
        const server = servers[at]!;
        if (!exclude?.has(server)) {
          // active < ceil(slots*w/W)  <=>  active*W < slots*w (integers)
          if (server.active * totalWeight < slots * server.weight) return server;
          fallback ??= server;
        }
        if (visits.count === n) break;
      }
      if (++i === owners.length) i = 0;
    }
    return fallback;
  }
}

registerScheduler({
  name: 'bounded',
  aliases: ['chash-bounded', 'bounded-load'],
  hashing: true,
  description: 'consistent hashing with bounded loads (balanceFactor, default 1.25) on the ketama ring',
  factory: (options) => new BoundedLoadScheduler(options),
});
