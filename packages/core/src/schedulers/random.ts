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
  readonly name: string = 'random';
  readonly #random: () => number;
  readonly #sampler = new WeightedSampler();

  constructor(options: SchedulerOptions = {}) {
    this.#random = options.random ?? Math.random;
  }

  update(servers: readonly Schedulable[]): void {
    this.#sampler.sync(servers);
  }

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    const at = this.draw(servers, ctx);
    return at < 0 ? undefined : servers[at];
  }

  /** A position drawn with probability weight/total (never an excluded server), or -1. */
  protected draw(servers: readonly Schedulable[], ctx: PickContext): number {
    this.#sampler.sync(servers);
    return this.#sampler.draw(servers, this.#random, ctx.exclude);
  }
}

registerScheduler({
  name: 'random',
  aliases: [],
  hashing: false,
  description: 'weighted random: each server with probability weight/total',
  factory: (options) => new RandomScheduler(options),
});
