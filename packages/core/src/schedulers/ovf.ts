import { type PickContext, registerScheduler, type Schedulable, type Scheduler } from '../scheduler.js';

/**
 * Weighted overflow (ip_vs_ovf.c): the weight is a connection limit. The
 * highest-weight server (first on ties) whose active sessions do not exceed
 * its weight takes the session; as in IPVS a server is skipped only once
 * active > weight, so it may end up serving weight+1. None left: undefined.
 */
export class OverflowScheduler implements Scheduler {
  readonly name = 'ovf';

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    const exclude = ctx.exclude;
    let best: S | undefined;
    for (let i = 0; i < servers.length; i++) {
      const server = servers[i]!;
      if (server.active > server.weight || exclude?.has(server)) continue;
      if (best === undefined || server.weight > best.weight) best = server;
    }
    return best;
  }
}

registerScheduler({
  name: 'ovf',
  aliases: [],
  hashing: false,
  description: 'weighted overflow (IPVS ovf): highest weight until its active sessions exceed its weight',
  factory: () => new OverflowScheduler(),
});
