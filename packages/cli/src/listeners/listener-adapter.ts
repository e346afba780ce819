import type { AddressInfo } from 'node:net';
import type { ListenerStatsView } from '@lvs7/admin';
import type { ListenerConfig } from '@lvs7/config';
import type { ListenerContext, RunningListener } from '../listener-factory.js';

/** What every protocol package's listener offers. */
export interface ProtocolListener<O> {
  listen(): Promise<void>;
  address(): AddressInfo | string | null;
  close(options: { drainTimeoutMs: number }): Promise<void>;
  update(options: O): void;
}

/**
 * Adapts a protocol listener to the instance: the config section is turned
 * into the package's options (`toOptions`) at start and on every reload.
 */
export abstract class ListenerAdapter<C extends ListenerConfig, O, L extends ProtocolListener<O>>
  implements RunningListener
{
  readonly listener: L;
  protected readonly config: C;

  constructor(config: C, context: ListenerContext, create: (options: O) => L) {
    this.config = config;
    this.listener = create(this.toOptions(config, context));
  }

  protected abstract toOptions(config: C, context: ListenerContext): O;
  abstract stats(): ListenerStatsView;

  listen(): Promise<void> {
    return this.listener.listen();
  }

  address() {
    return this.listener.address();
  }

  close(options: { drainTimeoutMs: number }): Promise<void> {
    return this.listener.close(options);
  }

  update(config: ListenerConfig, context: ListenerContext): void {
    this.listener.update(this.toOptions(config as C, context));
  }
}
