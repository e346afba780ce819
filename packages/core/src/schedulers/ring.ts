import {
  type PickContext,
  registerScheduler,
  type Schedulable,
  type Scheduler,
  type SchedulerOptions,
} from '../scheduler.js';
import { murmur3 } from './hash.js';
import { KetamaRing } from './ketama-ring.js';
import { allExcluded, keyOf, VisitSet } from './support.js';

/**
 * Consistent hashing on a weighted ketama ring: the key's murmur3 hash goes
 * to the first server point clockwise (binary search). A retry walks on
 * clockwise to the next point of a server not excluded.
 */
export class RingHashScheduler implements Scheduler {
  readonly name = 'ring';
  readonly #ring: KetamaRing;
  readonly #visits = new VisitSet();

  constructor(options: SchedulerOptions = {}) {
    this.#ring = new KetamaRing(options.pointsPerWeight);
  }

  update(servers: readonly Schedulable[]): void {
    this.#ring.sync(servers);
  }

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    const ring = this.#ring;
    ring.sync(servers);
    const owners = ring.owners;
    if (owners.length === 0) return undefined;
    const exclude = ctx.exclude;
    let i = ring.find(murmur3(keyOf(ctx)));
    const home = servers[owners[i]!]!;
    if (!exclude?.has(home)) return home;
    if (allExcluded(servers, exclude)) return undefined;
    const visits = this.#visits;
    visits.begin(servers.length);
    for (let steps = 0; steps < owners.length; steps++) {
      const at = owners[i]!;
      if (visits.first(at) && !exclude.has(servers[at]!)) return servers[at];
      if (++i === owners.length) i = 0;
    }
    return undefined;
  }
}

registerScheduler({
  name: 'ring',
  aliases: ['ketama', 'chash'],
  hashing: true,
  description: 'consistent hashing on a weighted ketama ring (md5 points, murmur3 keys)',
  factory: (options) => new RingHashScheduler(options),
});
