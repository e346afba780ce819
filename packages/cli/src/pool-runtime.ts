import type { PoolConfig } from '@lvs7/config';
import {
  type AgentHint,
  HealthMonitor,
  OutlierDetector,
  Pool,
  type Server,
  type ServerSpec,
  type StateStore,
} from '@lvs7/core';
import type { Logger } from 'pino';

/**
 * A pool with what runs beside it: its health monitor and outlier detector.
 * Reload updates it in place when only servers or checks changed, so
 * sessions, health and counters carry on; otherwise the instance builds a
 * new one (carrying health over) and retires this one.
 */
export class PoolRuntime {
  readonly pool: Pool;
  readonly outlier: OutlierDetector | undefined;
  #health: HealthMonitor | undefined;
  #healthKey: string;
  /** False in a worker process: the primary checks and the worker mirrors its verdicts. */
  readonly #checks: boolean;
  readonly #poolKey: string;
  readonly #logger: Logger;
  /** Configured weights before an agent check scaled them (HAProxy: agent weight is relative). */
  readonly #agentBaseWeight = new Map<string, number>();

  static serverSpecs(config: PoolConfig): ServerSpec[] {
    return config.servers.map((s) => ({
      name: s.name,
      address: s.address,
      weight: s.weight,
      backup: s.backup,
      maxConnections: s.maxConnections,
      state: s.state,
      icp: s.icp,
    }));
  }

  constructor(
    name: string,
    config: PoolConfig,
    servers: ServerSpec[],
    logger: Logger,
    previous?: PoolRuntime,
    state?: StateStore,
    options: { readonly health?: boolean } = {},
  ) {
    this.#checks = options.health ?? true;
    this.#logger = logger.child({ component: 'pool', pool: name });
    const so = config.schedulerOptions;
    this.pool = new Pool(name, {
      scheduler: config.scheduler,
      schedulerOptions: {
        balanceFactor: so?.balanceFactor,
        fallback: so?.fallback,
        tableSize: so?.tableSize,
        pointsPerWeight: so?.pointsPerWeight,
        lblcrShrinkAfterMs: so?.lblcrShrinkAfter,
      },
      servers,
      slowStartMs: config.slowStart,
      panicThreshold: config.panicThreshold,
      state,
    });
    // A rebuilt pool starts from what the old one knew of each server's health.
    if (previous) {
      for (const server of this.pool.servers()) {
        const before = previous.pool.get(server.name);
        if (before === undefined || before.address !== server.address) continue;
        // What its own checks said (consensus may hold it down while they pass).
        server.localHealthy = before.localHealthy;
        if (!before.healthy) this.pool.setHealthy(server, false);
      }
    }
    this.#poolKey = PoolRuntime.#poolSettingsKey(config);
    this.outlier = config.outlier
      ? new OutlierDetector(this.pool, {
          consecutiveFailures: config.outlier.consecutiveFailures,
          baseEjectionTime: config.outlier.baseEjectionTime,
          maxEjectionTime: config.outlier.maxEjectionTime,
          maxEjectionPercent: config.outlier.maxEjectionPercent,
        })
      : undefined;
    this.#healthKey = JSON.stringify(config.health ?? null);
    this.#health = this.#startHealth(config);
  }

  get health(): HealthMonitor | undefined {
    return this.#health;
  }

  /** True when the new config differs only in servers or health checks. */
  canUpdate(config: PoolConfig): boolean {
    if (PoolRuntime.#poolSettingsKey(config) !== this.#poolKey) return false;
    // A server whose address changed is a new server under an old name: rebuild.
    return config.servers.every((s) => {
      const current = this.pool.get(s.name);
      return current === undefined || current.address === s.address;
    });
  }

  update(config: PoolConfig, specs: readonly ServerSpec[]): void {
    const wanted = new Map(specs.map((s) => [s.name, s]));
    for (const server of this.pool.servers()) {
      if (!wanted.has(server.name)) void this.pool.remove(server.name);
    }
    for (const spec of specs) {
      const current = this.pool.get(spec.name);
      if (!current || current.address !== spec.address) {
        if (!current) this.pool.add(spec);
        continue;
      }
      const weight = spec.weight ?? 1;
      if (current.configuredWeight !== weight) this.pool.setWeight(spec.name, weight);
      if (current.state !== (spec.state ?? 'ready')) this.pool.setState(spec.name, spec.state ?? 'ready');
      this.pool.setMaxConnections(spec.name, spec.maxConnections ?? 0);
    }
    const healthKey = JSON.stringify(config.health ?? null);
    if (healthKey !== this.#healthKey) {
      this.#health?.stop({ restore: config.health === undefined });
      this.#healthKey = healthKey;
      this.#health = this.#startHealth(config);
    }
  }

  /** Stops checks and detection now. */
  close(): void {
    this.#health?.stop({ restore: false });
    this.outlier?.stop();
    this.pool.close();
  }

  /** Stops checks at once; closes the pool when its sessions have ended (or after `timeoutMs`). */
  async retire(timeoutMs: number): Promise<void> {
    this.#health?.stop({ restore: false });
    this.outlier?.stop();
    const busy = () => this.pool.servers().some((s) => s.localActive > 0);
    const deadline = Date.now() + timeoutMs;
    while (busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    this.pool.close();
  }

  #startHealth(config: PoolConfig): HealthMonitor | undefined {
    const h = config.health;
    if (!h || !this.#checks) return undefined;
    const probeOptions: Record<string, unknown> = {};
    for (const key of ['path', 'method', 'status', 'body', 'host', 'port', 'user', 'password'] as const) {
      if (h[key] !== undefined) probeOptions[key] = h[key];
    }
    // The servers expect a PROXY header: checks send LOCAL first (HAProxy check-send-proxy).
    if (config.sendProxy !== undefined) probeOptions['sendProxy'] = config.sendProxy;
    const monitor = new HealthMonitor(this.pool, {
      type: h.check,
      probeOptions,
      interval: h.interval,
      timeout: h.timeout,
      rise: h.rise,
      fall: h.fall,
      fastInterval: h.fastInterval,
      downInterval: h.downInterval,
      jitter: h.jitter,
      onPass: (server) => this.outlier?.onActivePass(server),
      onAgentHint: (server, hint) => this.#applyAgentHint(server, hint),
    });
    monitor.start();
    return monitor;
  }

  #applyAgentHint(server: Server, hint: AgentHint): void {
    if (hint.state !== undefined && hint.state !== server.state) this.pool.setState(server.name, hint.state);
    if (hint.weightPercent !== undefined) {
      const base = this.#agentBaseWeight.get(server.name) ?? server.configuredWeight;
      this.#agentBaseWeight.set(server.name, base);
      const weight = Math.min(256, Math.round((base * hint.weightPercent) / 100));
      if (weight !== server.configuredWeight) this.pool.setWeight(server.name, weight);
    }
    if (hint.maxConnections !== undefined) this.pool.setMaxConnections(server.name, hint.maxConnections);
    this.#logger.debug({ server: server.name, hint }, 'agent hint applied');
  }

  static #poolSettingsKey(config: PoolConfig): string {
    const { servers: _servers, health: _health, ...rest } = config;
    return JSON.stringify(rest);
  }
}
