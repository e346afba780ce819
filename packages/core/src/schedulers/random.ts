import {
  type PickContext,
  registerScheduler,
  type Schedulable,
  type Scheduler,
  type SchedulerOptions,
} from '../scheduler.js';
import { WeightedSampler } from './sampler.js';

/** Weighted random: each server with probability weight/total (options.random is the source). */
export class RandomScheduler implements Scheduler {
  readonly name = 'random';
  readonly #random: () => number;
  readonly #sampler = new WeightedSampler();

  constructor(options: SchedulerOptions = {}) {
    this.#random = options.random ?? Math.random;
  }

  update(servers: readonly Schedulable[]): void {
    this.#sampler.sync(servers);
  }

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    this.#sampler.sync(servers);
    const at = this.#sampler.draw(servers, this.#random, ctx.exclude);
    return at < 0 ? undefined : servers[at];
  }
}

registerScheduler({
  name: 'random',
  aliases: [],
  hashing: false,
  description: 'weighted random: each server with probability weight/total',
  factory: (options) => new RandomScheduler(options),
});
