import diagnosticsChannel from 'node:diagnostics_channel';
import type { Server, ServerState } from './server.js';

/**
 * Observability goes through diagnostics_channel (as undici's): metrics and
 * logs subscribe; core never imports them. Every message names its pool.
 */
export interface ServerEventBase {
  readonly pool: string;
  readonly server: Server;
}
export interface HealthEvent extends ServerEventBase {
  readonly healthy: boolean;
  readonly message: string;
}
export interface EjectionEvent extends ServerEventBase {
  readonly ejected: boolean;
  /** How long this ejection lasts (ms); 0 when un-ejecting. */
  readonly durationMs: number;
  readonly reason: string;
}
export interface AdminEvent extends ServerEventBase {
  readonly change: 'added' | 'removed' | 'state' | 'weight';
  readonly state?: ServerState;
  readonly weight?: number;
}

export const channels = {
  /** A server's health verdict changed (HealthEvent). */
  health: diagnosticsChannel.channel('lvs7:health'),
  /** Outlier detection ejected or returned a server (EjectionEvent). */
  ejection: diagnosticsChannel.channel('lvs7:ejection'),
  /** A server was added, removed, re-weighted or changed state (AdminEvent). */
  admin: diagnosticsChannel.channel('lvs7:admin'),
} as const;
