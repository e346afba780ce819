import type { Pool, Server } from '@lvs7/core';

export interface ServerView {
  name: string;
  address: string;
  weight: number;
  effectiveWeight: number;
  backup: boolean;
  state: string;
  /** Effective health, what the pool uses. */
  healthy: boolean;
  /** What this instance's own checks say; null without a check. Differs from `healthy` while shared-state health consensus holds the server down. */
  localHealthy: boolean | null;
  ejected: boolean;
  active: number;
  inactive: number;
  total: number;
  maxConnections: number;
  lastCheck: { at: string; ok: boolean; message: string } | null;
}

export interface PoolView {
  name: string;
  scheduler: string;
  eligible: number;
  panic: boolean;
  queued: number;
  servers: ServerView[];
}

export function serverView(server: Server): ServerView {
  const check = server.lastCheck;
  return {
    name: server.name,
    address: server.address,
    weight: server.configuredWeight,
    effectiveWeight: server.weight,
    backup: server.backup,
    state: server.state,
    healthy: server.healthy,
    localHealthy: server.localHealthy ?? null,
    ejected: server.ejected,
    active: server.active,
    inactive: server.inactive,
    total: server.total,
    maxConnections: server.maxConnections,
    lastCheck: check ? { at: new Date(check.at).toISOString(), ok: check.ok, message: check.message } : null,
  };
}

export function poolView(pool: Pool): PoolView {
  return {
    name: pool.name,
    scheduler: pool.schedulerName,
    eligible: pool.eligibleCount,
    panic: pool.inPanic,
    queued: pool.queued,
    servers: pool.servers().map(serverView),
  };
}
