import type { AddressInfo, Socket } from 'node:net';
import type { ListenerStatsView } from '@lvs7/admin';
import type { ListenerConfig } from '@lvs7/config';
import { parseHostPort } from '@lvs7/core';
import type { ListenerContext, RunningListener } from '../listener-factory.js';
import type { ConnectionEnds } from '../site-overflow.js';

/** What every protocol package's listener offers. */
export interface ProtocolListener<O> {
  listen(): Promise<void>;
  address(): AddressInfo | string | null;
  close(options: { drainTimeoutMs: number }): Promise<void>;
  update(options: O): void;
  /** Sees each new connection first; true when it took it (overflow to a peer site). */
  front: ((socket: Socket) => boolean) | undefined;
  /** Serves a connection accepted elsewhere; `ends` as a PROXY header named them. */
  acceptConnection(socket: Socket, ends?: ConnectionEnds): void;
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
    const site = context.site;
    if (site !== undefined) {
      const port = () => {
        const a = this.listener.address();
        return a !== null && typeof a === 'object' ? a.port : parseHostPort(config.listen).port;
      };
      this.listener.front = site.front(config.name, config.protocol, port, (socket, ends) =>
        this.listener.acceptConnection(socket, ends),
      );
    }
  }

  acceptSiteConnection(socket: Socket): void {
    if (this.listener.front?.(socket) !== true) this.listener.acceptConnection(socket);
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
