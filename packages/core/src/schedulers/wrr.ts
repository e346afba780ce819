import { type PickContext, registerScheduler, type Schedulable, type Scheduler } from '../scheduler.js';

/**
 * Smooth weighted round robin, as nginx's upstream module: every pick each
 * server's current weight grows by its weight, the largest wins (first in
 * list order on ties) and gives back the total. Weights 5,1,1 give
 * a a b a c a a: the same shares as IPVS's wrr, without its bursts.
 */
export class WeightedRoundRobinScheduler implements Scheduler {
  readonly name = 'wrr';
  #list: readonly Schedulable[] | undefined;
  #current = new Float64Array(0);

  update(servers: readonly Schedulable[]): void {
    // Carry current weights over by name so a weight change (slow start
    // ramps refresh often) does not restart the sequence.
    const old = new Map<string, number>();
    const list = this.#list ?? [];
    for (let i = 0; i < list.length; i++) old.set(list[i]!.name, this.#current[i]!);
    const current = new Float64Array(servers.length);
    for (let i = 0; i < servers.length; i++) current[i] = old.get(servers[i]!.name) ?? 0;
    this.#list = servers;
    this.#current = current;
  }

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    if (servers !== this.#list) this.update(servers);
    const current = this.#current;
    const exclude = ctx.exclude;
    let best = -1;
    let total = 0;
    for (let i = 0; i < servers.length; i++) {
      const server = servers[i]!;
      // As nginx skips peers already tried: they neither gain nor count.
      if (exclude?.has(server)) continue;
      current[i] += server.weight;
      total += server.weight;
      if (best < 0 || current[i] > current[best]) best = i;
    }
    if (best < 0) return undefined;
    current[best] -= total;
    return servers[best];
  }
}

registerScheduler({
  name: 'wrr',
  aliases: [],
  hashing: false,
  description: 'smooth weighted round robin (nginx): shares proportional to weight, no bursts',
  factory: () => new WeightedRoundRobinScheduler(),
});
