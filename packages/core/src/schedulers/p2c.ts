import {
  type PickContext,
  registerScheduler,
  type Schedulable,
  type Scheduler,
  type SchedulerOptions,
} from '../scheduler.js';
import { WeightedSampler } from './sampler.js';

/**
 * Power of two random choices (Mitzenmacher; Envoy's least_request with
 * choice_count 2): draw two servers weighted by weight, keep the one with
 * the lower active/weight (cross-multiplied; the first draw on ties). Nearly
 * as good as least connection, without herding on one server when many
 * balancers share stale counts.
 */
export class PowerOfTwoChoicesScheduler implements Scheduler {
  readonly name = 'p2c';
  readonly #random: () => number;
  readonly #sampler = new WeightedSampler();

  constructor(options: SchedulerOptions = {}) {
    this.#random = options.random ?? Math.random;
  }

  update(servers: readonly Schedulable[]): void {
    this.#sampler.sync(servers);
  }

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    const sampler = this.#sampler;
    sampler.sync(servers);
    const a = sampler.draw(servers, this.#random, ctx.exclude);
    if (a < 0) return undefined;
    const b = sampler.draw(servers, this.#random, ctx.exclude);
    const first = servers[a]!;
    const second = servers[b]!;
    return second.active * first.weight < first.active * second.weight ? second : first;
  }
}

registerScheduler({
  name: 'p2c',
  aliases: ['twos'],
  hashing: false,
  description: 'power of two choices: two weighted random draws, the less loaded (active/weight) wins',
  factory: (options) => new PowerOfTwoChoicesScheduler(options),
});
