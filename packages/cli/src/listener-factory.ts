import type { AddressInfo } from 'node:net';
import type { Config, ListenerConfig } from '@lvs7/config';
import { Lvs7Error, type Pool } from '@lvs7/core';
import type { Logger } from 'pino';

/** What the instance needs of any listener, whatever its protocol. */
export interface RunningListener {
  listen(): Promise<void>;
  address(): AddressInfo | string | null | undefined;
  /** Stops accepting; lets sessions finish for up to drainTimeoutMs. */
  close(options: { drainTimeoutMs: number }): Promise<void>;
  /** Applies a reloaded config (same name, protocol and address) without dropping connections. */
  update?(config: ListenerConfig, pools: ReadonlyMap<string, Pool>): void;
}

export type ListenerFactory = (
  config: ListenerConfig,
  pools: ReadonlyMap<string, Pool>,
  root: Config,
  logger: Logger,
) => RunningListener;

export class UnsupportedProtocolError extends Lvs7Error {
  constructor(protocol: string) {
    super(
      'LVS7_ERR_UNSUPPORTED_PROTOCOL',
      `listeners of protocol "${protocol}" are not available in this build`,
    );
  }
}

const factories = new Map<string, ListenerFactory>();

/** Protocol packages register their listener here (http, smtp, imap, pop3, icp). */
export function registerListenerFactory(protocol: string, factory: ListenerFactory): void {
  factories.set(protocol, factory);
}

export function createListener(
  config: ListenerConfig,
  pools: ReadonlyMap<string, Pool>,
  root: Config,
  logger: Logger,
): RunningListener {
  const factory = factories.get(config.protocol);
  if (!factory) throw new UnsupportedProtocolError(config.protocol);
  return factory(config, pools, root, logger.child({ component: 'listener', listener: config.name }));
}
