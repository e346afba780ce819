import { type HostPort, parseHostPort } from './address.js';
import { InvalidWeightError } from './errors.js';
import type { Schedulable } from './scheduler.js';

/** Administrative state, as HAProxy's runtime API: ready takes traffic, drain only finishes what it has (and sticky sessions), maint takes nothing. */
export type ServerState = 'ready' | 'drain' | 'maint';

export const SERVER_STATES: readonly ServerState[] = ['ready', 'drain', 'maint'];

export const MAX_WEIGHT = 256;

export interface ServerSpec {
  readonly name: string;
  readonly address: string;
  readonly weight?: number | undefined;
  readonly backup?: boolean | undefined;
  /** Concurrent sessions the server may hold; 0 or undefined means unlimited. */
  readonly maxConnections?: number | undefined;
  readonly state?: ServerState | undefined;
  /** The server's ICP port (`host:port`) when it is a cache that answers ICP queries. */
  readonly icp?: string | undefined;
  /** Local address connections to the server leave from (HAProxy's `source`); default the kernel's choice. */
  readonly source?: string | undefined;
}

export function validateWeight(weight: number): number {
  if (!Number.isInteger(weight) || weight < 0 || weight > MAX_WEIGHT) throw new InvalidWeightError(weight);
  return weight;
}

/**
 * One upstream server of a pool. Plain mutable fields on purpose: schedulers read
 * them on every pick, distributors bump the counters on every session.
 * Only the owning Pool changes state, health, ejection and weights.
 */
export class Server implements Schedulable {
  readonly name: string;
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly backup: boolean;
  /** ICP address of a cache server (see ServerSpec.icp). */
  readonly icp: string | undefined;
  /** See ServerSpec.source. */
  readonly source: string | undefined;
  maxConnections: number;

  /** The weight an operator set (config or admin API). */
  configuredWeight: number;
  /** What schedulers see: configuredWeight, ramped during slow start. */
  weight: number;
  state: ServerState;
  /** Active health checks' verdict; true while no check is configured. */
  healthy = true;
  /** Passive outlier detection has ejected the server. */
  ejected = false;

  /** Sessions in flight now, on every lvs7 instance: localActive + remoteActive. What schedulers read. */
  active = 0;
  /** Sessions this instance has in flight. */
  localActive = 0;
  /** Idle connections held to the server (IPVS's "inactive"). */
  inactive = 0;
  /** Sessions ever started. */
  total = 0;
  /** Sessions other lvs7 instances reported in flight (shared state); see Pool.setRemoteActive. */
  remoteActive = 0;

  /** When the server last became eligible (for slow start); 0 when not ramping. */
  rampStartedAt = 0;
  /** Time of the last health check result and its message, for status pages. */
  lastCheck: { at: number; ok: boolean; message: string } | undefined;
  /**
   * What this instance's own active checks say (the HealthSession's local
   * verdict), for status pages; undefined while no check runs. `healthy` is
   * the effective state, which shared-state health consensus may hold down.
   */
  localHealthy: boolean | undefined;

  constructor(spec: ServerSpec) {
    const hp: HostPort = parseHostPort(spec.address);
    this.name = spec.name;
    this.address = spec.address;
    this.host = hp.host;
    this.port = hp.port;
    this.backup = spec.backup ?? false;
    this.icp = spec.icp;
    this.source = spec.source;
    this.maxConnections = spec.maxConnections ?? 0;
    this.configuredWeight = validateWeight(spec.weight ?? 1);
    this.weight = this.configuredWeight;
    this.state = spec.state ?? 'ready';
  }

  /** May take new sessions from the scheduler. */
  get eligible(): boolean {
    return this.state === 'ready' && this.healthy && !this.ejected && this.configuredWeight > 0;
  }

  /** At its connection limit (maxConnections), so new sessions must queue. */
  get full(): boolean {
    return this.maxConnections > 0 && this.localActive >= this.maxConnections;
  }
}
