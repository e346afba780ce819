import { type PickContext, registerScheduler, type Schedulable, type Scheduler } from '../scheduler.js';
import { overhead } from './lc.js';
import { isFull } from './support.js';

/**
 * The weighted least-connection choice of ip_vs_wlc.c (also lblc's and
 * lblcr's fallback): the smallest overhead/weight, compared as
 * loh*dw > doh*lw so there is no division; first in list order on ties.
 * `skipFull` skips servers at their connection limit as IPVS skips
 * overloaded ones; plain wlc leaves that to the pool, which re-picks, but
 * the pool does not re-pick for hashing schedulers.
 */
export function wlcPick<S extends Schedulable>(
  servers: readonly S[],
  exclude: ReadonlySet<Schedulable> | undefined,
  skipFull = false,
): S | undefined {
  let least: S | undefined;
  let loh = 0;
  for (let i = 0; i < servers.length; i++) {
    const server = servers[i]!;
    if (exclude?.has(server) || (skipFull && isFull(server))) continue;
    const doh = overhead(server);
    if (least === undefined || loh * server.weight > doh * least.weight) {
      least = server;
      loh = doh;
    }
  }
  return least;
}

/** Weighted least connection (ip_vs_wlc.c). */
export class WeightedLeastConnectionScheduler implements Scheduler {
  readonly name = 'wlc';

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    return wlcPick(servers, ctx.exclude);
  }
}

registerScheduler({
  name: 'wlc',
  aliases: [],
  hashing: false,
  description: 'weighted least connection (IPVS wlc): fewest (256*active+inactive)/weight',
  factory: () => new WeightedLeastConnectionScheduler(),
});
