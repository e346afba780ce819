import { type PickContext, registerScheduler, type Schedulable, type Scheduler } from '../scheduler.js';

/** Round robin (ip_vs_rr.c): each eligible server in turn, weights ignored. */
export class RoundRobinScheduler implements Scheduler {
  readonly name = 'rr';
  #next = 0;

  pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    const n = servers.length;
    const exclude = ctx.exclude;
    for (let i = 0; i < n; i++) {
      const at = (this.#next + i) % n;
      const server = servers[at]!;
      if (exclude?.has(server)) continue;
      this.#next = (at + 1) % n;
      return server;
    }
    return undefined;
  }
}

registerScheduler({
  name: 'rr',
  aliases: ['roundrobin'],
  hashing: false,
  description: 'round robin: each server in turn, weights ignored',
  factory: () => new RoundRobinScheduler(),
});
