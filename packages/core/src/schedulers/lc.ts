import { type PickContext, registerScheduler, type Schedulable, type Scheduler } from '../scheduler.js';

/** IPVS's connection overhead: an active session weighs as much as 256 idle connections. */
export function overhead(server: Schedulable): number {
  return server.active * 256 + server.inactive;
}

/** Least connection (ip_vs_lc.c): the smallest 256*active+inactive, first in list order on ties. */
export class LeastConnectionScheduler implements Scheduler {
  readonly name = 'lc';

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    const exclude = ctx.exclude;
    let least: S | undefined;
    let loh = 0;
    for (let i = 0; i < servers.length; i++) {
      const server = servers[i]!;
      if (exclude?.has(server)) continue;
      const doh = overhead(server);
      if (least === undefined || doh < loh) {
        least = server;
        loh = doh;
      }
    }
    return least;
  }
}

registerScheduler({
  name: 'lc',
  aliases: [],
  hashing: false,
  description: 'least connection (IPVS lc): fewest 256*active+inactive, weights ignored',
  factory: () => new LeastConnectionScheduler(),
});
