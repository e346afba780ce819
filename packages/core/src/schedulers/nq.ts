import { type PickContext, registerScheduler, type Schedulable, type Scheduler } from '../scheduler.js';
import { sedPick } from './sed.js';

/**
 * Never queue (ip_vs_nq.c): the first idle server (no active session) in
 * list order, whatever its weight; when none is idle, shortest expected delay.
 */
export class NeverQueueScheduler implements Scheduler {
  readonly name = 'nq';

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    const exclude = ctx.exclude;
    for (let i = 0; i < servers.length; i++) {
      const server = servers[i]!;
      if (server.active === 0 && !exclude?.has(server)) return server;
    }
    return sedPick(servers, exclude);
  }
}

registerScheduler({
  name: 'nq',
  aliases: [],
  hashing: false,
  description: 'never queue (IPVS nq): an idle server first, else shortest expected delay',
  factory: () => new NeverQueueScheduler(),
});
