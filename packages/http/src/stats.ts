import diagnosticsChannel from 'node:diagnostics_channel';
import type { Server } from '@lvs7/core';
import type { CompiledRoute } from './router.js';
import type { ListenerRuntime, PoolRuntime } from './runtime.js';

/** Upper bounds (ms) of the latency histogram buckets; one more bucket catches the rest. */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000,
];

/** One finished exchange, published on `lvs7:http:request` when someone subscribes. */
export interface HttpRequestEvent {
  readonly listener: string;
  readonly route: string | null;
  readonly pool: string | null;
  readonly server: string | null;
  readonly method: string;
  readonly target: string;
  /** Status sent to the client (0 when none could be sent). */
  readonly status: number;
  readonly durationMs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly retries: number;
  /** Stable error code (HTTP_ERROR_STATUS) when the exchange failed. */
  readonly error: string | null;
  /** The request id sent to the server and logged (null: request ids off). */
  readonly requestId: string | null;
}

export const httpRequestChannel = diagnosticsChannel.channel('lvs7:http:request');

export interface EndpointStatsSnapshot {
  requests: number;
  active: number;
  responses: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  bytesIn: number;
  bytesOut: number;
  retries: number;
  errors: Record<string, number>;
  latency: { bucketsMs: readonly number[]; counts: number[]; sumMs: number; count: number };
}

/** Counters of one listener, route, pool or server: plain fields bumped on the hot path. */
export class EndpointStats {
  requests = 0;
  active = 0;
  bytesIn = 0;
  bytesOut = 0;
  retries = 0;
  readonly byClass = [0, 0, 0, 0, 0, 0];
  readonly errors = new Map<string, number>();
  readonly latency = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  latencySum = 0;

  record(
    status: number,
    ms: number,
    bytesIn: number,
    bytesOut: number,
    retries: number,
    error: string | null,
  ): void {
    this.requests++;
    const cls = (status / 100) | 0;
    if (cls >= 1 && cls <= 5) this.byClass[cls]!++;
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
    this.retries += retries;
    if (error !== null) this.errors.set(error, (this.errors.get(error) ?? 0) + 1);
    let b = 0;
    while (b < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[b]!) b++;
    this.latency[b]!++;
    this.latencySum += ms;
  }

  /** An exchange counted in `active` ended. */
  finish(
    status: number,
    ms: number,
    bytesIn: number,
    bytesOut: number,
    retries: number,
    error: string | null,
  ): void {
    this.active--;
    this.record(status, ms, bytesIn, bytesOut, retries, error);
  }

  snapshot(): EndpointStatsSnapshot {
    const c = this.byClass;
    return {
      requests: this.requests,
      active: this.active,
      responses: { '1xx': c[1]!, '2xx': c[2]!, '3xx': c[3]!, '4xx': c[4]!, '5xx': c[5]! },
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      retries: this.retries,
      errors: Object.fromEntries(this.errors),
      latency: {
        bucketsMs: LATENCY_BUCKETS_MS,
        counts: [...this.latency],
        sumMs: this.latencySum,
        count: this.latency.reduce((a, b) => a + b, 0),
      },
    };
  }
}

export interface HttpListenerStats {
  listener: EndpointStatsSnapshot & { name: string; connections: number; connectionsTotal: number };
  routes: Record<string, EndpointStatsSnapshot>;
  pools: Record<string, EndpointStatsSnapshot>;
  /** Keyed `pool/server`. */
  servers: Record<string, EndpointStatsSnapshot>;
}

/** All counters of a listener; entries are created on first use and live as long as the listener. */
export class StatsRegistry {
  readonly listener = new EndpointStats();
  connections = 0;
  connectionsTotal = 0;
  readonly #routes = new Map<string, EndpointStats>();
  readonly #pools = new Map<string, EndpointStats>();
  readonly #servers = new Map<Server, { key: string; stats: EndpointStats }>();

  route(name: string): EndpointStats {
    let s = this.#routes.get(name);
    if (s === undefined) this.#routes.set(name, (s = new EndpointStats()));
    return s;
  }

  pool(name: string): EndpointStats {
    let s = this.#pools.get(name);
    if (s === undefined) this.#pools.set(name, (s = new EndpointStats()));
    return s;
  }

  server(pool: string, server: Server): EndpointStats {
    let e = this.#servers.get(server);
    if (e === undefined)
      this.#servers.set(server, (e = { key: `${pool}/${server.name}`, stats: new EndpointStats() }));
    return e.stats;
  }

  snapshot(name: string): HttpListenerStats {
    const map = (m: Map<string, EndpointStats>) =>
      Object.fromEntries([...m].map(([k, v]) => [k, v.snapshot()]));
    return {
      listener: {
        name,
        connections: this.connections,
        connectionsTotal: this.connectionsTotal,
        ...this.listener.snapshot(),
      },
      routes: map(this.#routes),
      pools: map(this.#pools),
      servers: Object.fromEntries([...this.#servers.values()].map((e) => [e.key, e.stats.snapshot()])),
    };
  }
}

/** What an exchange reports when it ends. */
export interface ExchangeFacts {
  readonly status: number;
  readonly startedAt: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly retries: number;
  readonly method: string;
  readonly target: string;
  /** Client address, for access logs. */
  readonly client: string;
  /** The request id (null when the listener has them off). */
  readonly requestId: string | null;
}

/**
 * Counts a finished exchange on its listener, route, pool and server, and
 * publishes it on `lvs7:http:request` only when someone listens.
 */
export function recordExchange(
  rt: ListenerRuntime,
  route: CompiledRoute | null,
  prt: PoolRuntime | null,
  server: Server | null,
  serverStats: EndpointStats | null,
  e: ExchangeFacts,
  error: string | null,
): void {
  const ms = performance.now() - e.startedAt;
  const { status, bytesIn, bytesOut, retries } = e;
  rt.stats.listener.finish(status, ms, bytesIn, bytesOut, retries, error);
  route?.stats.finish(status, ms, bytesIn, bytesOut, retries, error);
  prt?.stats.finish(status, ms, bytesIn, bytesOut, retries, error);
  serverStats?.record(status, ms, bytesIn, bytesOut, 0, error);
  const logEvery = rt.accessLogEvery;
  const log = logEvery !== 0 && (logEvery === 1 || ++accessLogCounter % logEvery === 0);
  if (log || httpRequestChannel.hasSubscribers) {
    const event: HttpRequestEvent = {
      listener: rt.name,
      route: route?.name ?? null,
      pool: prt?.pool.name ?? null,
      server: server?.name ?? null,
      method: e.method,
      target: e.target,
      status,
      durationMs: ms,
      bytesIn,
      bytesOut,
      retries,
      error,
      requestId: e.requestId,
    };
    if (httpRequestChannel.hasSubscribers) httpRequestChannel.publish(event);
    if (log) rt.logger.info({ ...event, client: e.client }, 'http request');
  }
}

let accessLogCounter = 0;
