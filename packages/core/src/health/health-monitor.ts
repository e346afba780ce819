import { EventEmitter } from 'node:events';
import { InvalidHealthCheckOptionError } from '../errors.js';
import type { Pool } from '../pool.js';
import type { Server } from '../server.js';
import { type HealthSessionOptions, resolveHealthSessionOptions } from './health-options.js';
import { type AgentHint, createHealthProbe, type HealthProbe } from './health-probe.js';
import { type HealthCheckRecord, HealthSession, type HealthSessionHooks } from './health-session.js';

export interface HealthMonitorOptions extends HealthSessionOptions, HealthSessionHooks {
  /** A registered check type (tcp, http, agent, ...), built with `probeOptions`. */
  readonly type?: string | undefined;
  readonly probeOptions?: Record<string, unknown> | undefined;
  /** A ready probe instead of `type` (`type` then only names it in status). */
  readonly probe?: HealthProbe | undefined;
}

export interface HealthMonitorEvents {
  /** Every check result of every server. */
  result: [server: Server, result: HealthCheckRecord];
  /** A passing agent check carried hints (see HealthSessionHooks.onAgentHint). */
  'agent-hint': [server: Server, hint: AgentHint];
}

/** One server's health as a status page shows it. */
export interface HealthStatus {
  readonly server: string;
  /** Effective: what the pool uses. */
  readonly healthy: boolean;
  /** What this instance's own checks say (differs from `healthy` only while held). */
  readonly localHealthy: boolean;
  /** Why the server is held down whatever its checks say (shared-state health consensus). */
  readonly held: string | undefined;
  readonly checking: boolean;
  readonly consecutivePasses: number;
  readonly consecutiveFailures: number;
  readonly lastCheck: { readonly at: number; readonly ok: boolean; readonly message: string } | undefined;
}

export interface HealthMonitorStopOptions {
  /**
   * Mark every server of the pool healthy again, as with no check configured
   * (default true). Pass false when another monitor takes over at once (reload).
   */
  readonly restore?: boolean | undefined;
}

/**
 * Active health checks for one pool: a HealthSession per server, created and
 * stopped as servers join and leave the pool (it follows the pool's `change`
 * events). Call start(), and stop() when the pool or its check goes away.
 */
export class HealthMonitor extends EventEmitter<HealthMonitorEvents> {
  readonly pool: Pool;
  readonly type: string;
  readonly probe: HealthProbe;
  readonly #options: HealthSessionOptions;
  readonly #hooks: HealthSessionHooks;
  readonly #sessions = new Map<Server, HealthSession>();
  readonly #onChange = () => this.#sync();
  #running = false;

  constructor(pool: Pool, options: HealthMonitorOptions) {
    super();
    this.pool = pool;
    const type = options.type ?? 'custom';
    if (options.probe !== undefined) this.probe = options.probe;
    else if (options.type !== undefined)
      this.probe = createHealthProbe(options.type, options.probeOptions ?? {});
    else throw new InvalidHealthCheckOptionError(type, 'type', 'give a check type or a probe');
    this.type = type;
    // Validate once here, so a bad option fails at configuration time.
    this.#options = resolveHealthSessionOptions(options, type);
    const { onPass, onResult, onAgentHint } = options;
    this.#hooks = {
      onPass,
      onResult: (server, result) => {
        onResult?.(server, result);
        this.emit('result', server, result);
      },
      onAgentHint: (server, hint) => {
        onAgentHint?.(server, hint);
        this.emit('agent-hint', server, hint);
      },
    };
  }

  get running(): boolean {
    return this.#running;
  }

  /** Starts a session for every server and follows membership changes. */
  start(): this {
    if (this.#running) return this;
    this.#running = true;
    this.pool.on('change', this.#onChange);
    this.#sync();
    return this;
  }

  /** Stops every session (aborting checks in flight) and stops following the pool. */
  stop(options: HealthMonitorStopOptions = {}): void {
    if (!this.#running) return;
    this.#running = false;
    this.pool.off('change', this.#onChange);
    for (const session of this.#sessions.values()) session.stop();
    this.#sessions.clear();
    if (options.restore ?? true) {
      for (const server of this.pool.servers()) {
        server.localHealthy = undefined; // no check runs; a monitor started later begins from "up"
        this.pool.setHealthy(server, true, 'health checks stopped');
      }
    }
  }

  /** The session checking `server` (a Server or its name). */
  session(server: Server | string): HealthSession | undefined {
    const s = typeof server === 'string' ? this.pool.get(server) : server;
    return s === undefined ? undefined : this.#sessions.get(s);
  }

  sessions(): HealthSession[] {
    return [...this.#sessions.values()];
  }

  status(): HealthStatus[] {
    return this.sessions().map((session) => ({
      server: session.server.name,
      healthy: session.server.healthy,
      localHealthy: session.localHealthy,
      held: session.held,
      checking: session.checking,
      consecutivePasses: session.consecutivePasses,
      consecutiveFailures: session.consecutiveFailures,
      lastCheck: session.server.lastCheck,
    }));
  }

  #sync(): void {
    if (!this.#running) return;
    const servers = this.pool.servers();
    if (servers.length === this.#sessions.size && servers.every((s) => this.#sessions.has(s))) return;
    const current = new Set(servers);
    for (const [server, session] of this.#sessions) {
      if (current.has(server)) continue;
      session.stop();
      this.#sessions.delete(server);
    }
    for (const server of servers) {
      if (this.#sessions.has(server)) continue;
      const session = new HealthSession(this.pool, server, this.probe, this.#options, this.#hooks);
      this.#sessions.set(server, session);
      session.start();
    }
  }
}
