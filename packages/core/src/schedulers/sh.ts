import {
  type PickContext,
  registerScheduler,
  type Schedulable,
  type Scheduler,
  type SchedulerOptions,
} from '../scheduler.js';
import { BucketTable } from './bucket-table.js';
import { murmur3 } from './hash.js';
import { sourceOf } from './support.js';

/**
 * Source hashing (ip_vs_sh.c): the client address (else ctx.key) through a
 * static weighted hash table, so a client sticks to one server. Without
 * `fallback` (IPVS's default) the hashed server is the only answer: if the
 * request excludes it, none (undefined); if it is full, the pool queues for
 * it. With `fallback` (IPVS's sh-fallback) an excluded or full server passes
 * the client on to the next buckets' servers.
 */
export class SourceHashScheduler implements Scheduler {
  readonly name = 'sh';
  readonly #table = new BucketTable();
  readonly #fallback: boolean;

  constructor(options: SchedulerOptions = {}) {
    this.#fallback = options.fallback ?? false;
  }

  update(servers: readonly Schedulable[]): void {
    this.#table.sync(servers);
  }

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    this.#table.sync(servers);
    const hash = murmur3(sourceOf(ctx));
    if (this.#fallback) return this.#table.walk(servers, hash, ctx.exclude, true);
    const server = this.#table.home(servers, hash);
    return server === undefined || ctx.exclude?.has(server) ? undefined : server;
  }
}

registerScheduler({
  name: 'sh',
  aliases: [],
  hashing: true,
  description: 'source hashing (IPVS sh): a static weighted hash table of the client address',
  factory: (options) => new SourceHashScheduler(options),
});
