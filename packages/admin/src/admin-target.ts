import type { Pool, Server, ServerSpec, ServerState } from '@lvs7/core';
import type { ListenerStatsView } from './listener-stats.js';

export interface ServerPatch {
  readonly weight?: number | undefined;
  readonly state?: ServerState | undefined;
}

export interface InstanceHealth {
  readonly ready: boolean;
  readonly draining: boolean;
  readonly [detail: string]: unknown;
}

/**
 * What the admin API acts on: the running instance. Changes go through the
 * instance (not straight to a Pool) so it can remember them across reloads.
 */
export interface AdminTarget {
  pools(): ReadonlyMap<string, Pool>;
  addServer(pool: string, spec: ServerSpec): Server;
  patchServer(pool: string, server: string, patch: ServerPatch): Server;
  /** Drains, then removes; resolves when removed. */
  removeServer(pool: string, server: string): Promise<void>;
  health(): InstanceHealth;
  /** Traffic counters of every listener, for /metrics and the status page. */
  listenerStats?(): ListenerStatsView[];
}
