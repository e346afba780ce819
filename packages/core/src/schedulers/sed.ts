import { type PickContext, registerScheduler, type Schedulable, type Scheduler } from '../scheduler.js';

/**
 * Shortest expected delay (ip_vs_sed.c): the smallest (active+1)/weight,
 * i.e. the delay a new session would see; cross-multiplied, first on ties.
 */
export function sedPick<S extends Schedulable>(
  servers: readonly S[],
  exclude: ReadonlySet<Schedulable> | undefined,
): S | undefined {
  let least: S | undefined;
  let loh = 0;
  for (let i = 0; i < servers.length; i++) {
    const server = servers[i]!;
    if (exclude?.has(server)) continue;
    const doh = server.active + 1;
    if (least === undefined || loh * server.weight > doh * least.weight) {
      least = server;
      loh = doh;
    }
  }
  return least;
}

export class ShortestExpectedDelayScheduler implements Scheduler {
  readonly name = 'sed';

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    return sedPick(servers, ctx.exclude);
  }
}

registerScheduler({
  name: 'sed',
  aliases: [],
  hashing: false,
  description: 'shortest expected delay (IPVS sed): fewest (active+1)/weight',
  factory: () => new ShortestExpectedDelayScheduler(),
});
