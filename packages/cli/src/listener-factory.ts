import type { AddressInfo, Socket } from 'node:net';
import type { ListenerStatsView } from '@lvs7/admin';
import type { Config, ListenerConfig } from '@lvs7/config';
import { Lvs7Error, type Pool, type StateStore } from '@lvs7/core';
import type { Directory } from '@lvs7/directory';
import type { Logger } from 'pino';
import type { PoolRuntime } from './pool-runtime.js';
import type { SiteOverflow } from './site-overflow.js';

/** What the instance needs of any listener, whatever its protocol. */
export interface RunningListener {
  listen(): Promise<void>;
  address(): AddressInfo | string | null | undefined;
  /** Stops accepting; lets sessions finish for up to drainTimeoutMs. */
  close(options: { drainTimeoutMs: number }): Promise<void>;
  /** Applies a reloaded config (same name, protocol and address) without dropping connections. */
  update?(config: ListenerConfig, context: ListenerContext): void;
  /** Traffic counters for /metrics and the status page. */
  stats?(): ListenerStatsView;
  /** A connection to this listener's port on the site's own address (a second socket lvs7 binds for VIP listeners). */
  acceptSiteConnection?(socket: Socket): void;
}

/** What a listener may use of the running instance. */
export interface ListenerContext {
  readonly pools: ReadonlyMap<string, Pool>;
  /** Pools with their outlier detectors and options. */
  readonly poolRuntimes: ReadonlyMap<string, PoolRuntime>;
  readonly directories: ReadonlyMap<string, Directory>;
  /** Persistence tables (mail placements, …): shared through Redis when `state` is configured. */
  readonly state: StateStore;
  readonly config: Config;
  /** Directory of the config file: relative paths (certificates, files) are relative to it. */
  readonly baseDir: string;
  readonly logger: Logger;
  /** Listeners on the site's VIP: overflow to peer sites (new sessions may go there; marked ones arrive). */
  readonly site?: SiteOverflow | undefined;
}

export type ListenerFactory = (config: ListenerConfig, context: ListenerContext) => RunningListener;

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

export function hasListenerFactory(protocol: string): boolean {
  return factories.has(protocol);
}

export function createListener(config: ListenerConfig, context: ListenerContext): RunningListener {
  const factory = factories.get(config.protocol);
  if (!factory) throw new UnsupportedProtocolError(config.protocol);
  return factory(config, {
    ...context,
    logger: context.logger.child({ component: 'listener', listener: config.name }),
  });
}
