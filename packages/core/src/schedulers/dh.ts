import { type PickContext, registerScheduler, type Schedulable, type Scheduler } from '../scheduler.js';
import { BucketTable } from './bucket-table.js';
import { murmur3 } from './hash.js';
import { keyOf } from './support.js';

/**
 * Destination hashing (ip_vs_dh.c), hashing ctx.key (else the client
 * address) where IPVS hashes the destination IP: a static table, so a key
 * always lands on the same server while the eligible set is unchanged. No
 * fallback: a server that is not eligible is not in the table at all. A retry
 * (ctx.exclude) walks on to the next buckets' servers.
 */
export class DestinationHashScheduler implements Scheduler {
  readonly name = 'dh';
  readonly #table = new BucketTable();

  update(servers: readonly Schedulable[]): void {
    this.#table.sync(servers);
  }

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    this.#table.sync(servers);
    const hash = murmur3(keyOf(ctx));
    if (ctx.exclude === undefined || ctx.exclude.size === 0) return this.#table.home(servers, hash);
    return this.#table.walk(servers, hash, ctx.exclude, false);
  }
}

registerScheduler({
  name: 'dh',
  aliases: [],
  hashing: true,
  description: 'destination hashing (IPVS dh): a static weighted hash table of the key',
  factory: () => new DestinationHashScheduler(),
});
