import { type PickContext, registerScheduler, type Schedulable, type Scheduler } from '../scheduler.js';

/**
 * Weighted failover (ip_vs_fo.c): everything to the eligible server with the
 * highest weight (the first in list order on ties); the next one takes over
 * only when it leaves the eligible set.
 */
export class FailoverScheduler implements Scheduler {
  readonly name = 'fo';

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    const exclude = ctx.exclude;
    let best: S | undefined;
    for (let i = 0; i < servers.length; i++) {
      const server = servers[i]!;
      if (exclude?.has(server)) continue;
      if (best === undefined || server.weight > best.weight) best = server;
    }
    return best;
  }
}

registerScheduler({
  name: 'fo',
  aliases: [],
  hashing: false,
  description: 'weighted failover (IPVS fo): the highest-weight eligible server takes everything',
  factory: () => new FailoverScheduler(),
});
