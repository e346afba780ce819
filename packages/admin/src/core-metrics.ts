import type diagnosticsChannel from 'node:diagnostics_channel';
import { channels, type EjectionEvent, type HealthEvent } from '@lvs7/core';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AdminTarget } from './admin-target.js';

const SERVER_LABELS = ['pool', 'server'] as const;

/**
 * Pool and server metrics. Gauges are read from the pools at scrape time
 * (nothing on the request path); transitions are counted from core's
 * diagnostics channels.
 */
export class CoreMetrics {
  readonly #unsubscribe: (() => void)[] = [];

  constructor(registry: Registry, target: AdminTarget) {
    const eachServer = (fn: (pool: string, server: import('@lvs7/core').Server) => void) => {
      for (const pool of target.pools().values()) for (const server of pool.servers()) fn(pool.name, server);
    };
    new Gauge({
      name: 'lvs7_server_up',
      help: 'Server takes new sessions: ready, healthy, not ejected, weight > 0 (1) or not (0)',
      labelNames: SERVER_LABELS,
      registers: [registry],
      collect() {
        this.reset();
        eachServer((pool, s) => this.set({ pool, server: s.name }, s.eligible ? 1 : 0));
      },
    });
    new Gauge({
      name: 'lvs7_server_healthy',
      help: 'Active health checks consider the server healthy',
      labelNames: SERVER_LABELS,
      registers: [registry],
      collect() {
        this.reset();
        eachServer((pool, s) => this.set({ pool, server: s.name }, s.healthy ? 1 : 0));
      },
    });
    new Gauge({
      name: 'lvs7_server_weight',
      help: 'Effective weight (slow start applied)',
      labelNames: SERVER_LABELS,
      registers: [registry],
      collect() {
        this.reset();
        eachServer((pool, s) => this.set({ pool, server: s.name }, s.weight));
      },
    });
    new Gauge({
      name: 'lvs7_server_active_sessions',
      help: 'Sessions in flight to the server',
      labelNames: SERVER_LABELS,
      registers: [registry],
      collect() {
        this.reset();
        eachServer((pool, s) => this.set({ pool, server: s.name }, s.active));
      },
    });
    new Counter({
      name: 'lvs7_server_sessions_total',
      help: 'Sessions started to the server',
      labelNames: SERVER_LABELS,
      registers: [registry],
      collect() {
        this.reset();
        eachServer((pool, s) => this.inc({ pool, server: s.name }, s.total));
      },
    });
    new Gauge({
      name: 'lvs7_pool_eligible_servers',
      help: 'Servers the scheduler may choose now',
      labelNames: ['pool'],
      registers: [registry],
      collect() {
        this.reset();
        for (const pool of target.pools().values()) this.set({ pool: pool.name }, pool.eligibleCount);
      },
    });
    new Gauge({
      name: 'lvs7_pool_queued_sessions',
      help: 'Sessions waiting for a server below its maxConnections',
      labelNames: ['pool'],
      registers: [registry],
      collect() {
        this.reset();
        for (const pool of target.pools().values()) this.set({ pool: pool.name }, pool.queued);
      },
    });
    const transitions = new Counter({
      name: 'lvs7_health_transitions_total',
      help: 'Health verdict changes, by the state entered',
      labelNames: ['pool', 'server', 'to'],
      registers: [registry],
    });
    const ejections = new Counter({
      name: 'lvs7_outlier_ejections_total',
      help: 'Servers ejected by passive outlier detection',
      labelNames: SERVER_LABELS,
      registers: [registry],
    });
    this.#subscribe(channels.health, (message) => {
      const e = message as HealthEvent;
      transitions.inc({ pool: e.pool, server: e.server.name, to: e.healthy ? 'up' : 'down' });
    });
    this.#subscribe(channels.ejection, (message) => {
      const e = message as EjectionEvent;
      if (e.ejected) ejections.inc({ pool: e.pool, server: e.server.name });
    });
  }

  close(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  #subscribe(channel: diagnosticsChannel.Channel, fn: (message: unknown) => void): void {
    channel.subscribe(fn);
    this.#unsubscribe.push(() => channel.unsubscribe(fn));
  }
}
