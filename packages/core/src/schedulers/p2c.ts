import { type PickContext, registerScheduler, type Schedulable } from '../scheduler.js';
import { RandomScheduler } from './random.js';

/**
 * Power of two random choices (Mitzenmacher; Envoy's least_request with
 * choice_count 2): draw two servers weighted by weight, keep the one with
 * the lower active/weight (cross-multiplied; the first draw on ties). Nearly
 * as good as least connection, without herding on one server when many
 * balancers share stale counts.
 */
export class PowerOfTwoChoicesScheduler extends RandomScheduler {
  override readonly name: string = 'p2c';

  override pick<S extends Schedulable>(servers: readonly S[], ctx: PickContext): S | undefined {
    const a = this.draw(servers, ctx);
    if (a < 0) return undefined;
    const first = servers[a]!;
    const second = servers[this.draw(servers, ctx)]!;
    return second.active * first.weight < first.active * second.weight ? second : first;
  }
}

registerScheduler({
  name: 'p2c',
  aliases: ['twos'],
  hashing: false,
  description: 'power of two choices: two weighted random draws, the less loaded (active/weight) wins',
  factory: (options) => new PowerOfTwoChoicesScheduler(options),
});
