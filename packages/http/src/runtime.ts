import { accessLogEvery, type Pool, ProxyAcceptor, type ProxyVersion } from '@lvs7/core';
import type { Logger } from 'pino';
import { InvalidHttpOptionError } from './errors.js';
import { compileTrustedProxies } from './forwarded.js';
import type { HeadLimits } from './http1/request-head.js';
import {
  DEFAULTS,
  type ForwardedMode,
  type HttpListenerOptions,
  type HttpPoolOptions,
  type IcpLocator,
  type OutlierReporter,
} from './options.js';
import type { HttpOverflow } from './overflow.js';
import { compileRequestId, type RequestIdRuntime } from './request-id.js';
import { Router } from './router.js';
import type { EndpointStats, StatsRegistry } from './stats.js';

/** A pool as a listener uses it. */
export interface PoolRuntime {
  readonly pool: Pool;
  readonly queueTimeout: number;
  readonly maxQueue: number;
  readonly outlier: OutlierReporter | null;
  readonly icp: IcpLocator | null;
  /** Write a PROXY header of this version on each new connection to the pool's servers. */
  readonly sendProxy?: ProxyVersion | null | undefined;
  readonly stats: EndpointStats;
}

/**
 * Everything compiled from one version of the options. Connections read
 * the current runtime at each request, so update() swaps it atomically and
 * requests already running finish with the one they started with.
 */
export interface ListenerRuntime {
  readonly name: string;
  readonly stats: StatsRegistry;
  readonly router: Router;
  readonly pools: ReadonlyMap<string, PoolRuntime>;
  readonly limits: HeadLimits;
  readonly forwarded: ForwardedMode;
  /** 1: drop received X-Forwarded-*, 2: drop received Forwarded (we write our own); 0: keep. */
  readonly dropForwarded: 0 | 1 | 2;
  /** Via lines by received protocol minor version. */
  readonly via: readonly [string, string];
  readonly clientHeader: number;
  readonly clientIdle: number;
  readonly trusted: (address: string) => boolean;
  readonly maxConnections: number;
  readonly upstreamIdle: number;
  readonly maxIdlePerServer: number;
  /** Access log: 0 off, else one exchange in `accessLogEvery` is logged at info. */
  readonly accessLogEvery: number;
  /** With acceptProxy: who must send a PROXY header, and reading it. */
  readonly proxy: ProxyAcceptor | null;
  /** null: no request ids. */
  readonly requestId: RequestIdRuntime | null;
  /** Overflow to peer sites (lvs7 site listeners); null: every request is served here. */
  readonly overflow: HttpOverflow | null;
  readonly logger: Logger;
}

export type PoolOptionsInput =
  | ReadonlyMap<string, HttpPoolOptions>
  | Readonly<Record<string, HttpPoolOptions>>;

function positive(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new InvalidHttpOptionError(`${what}: expected a number > 0`);
  return value;
}

function sendProxyOf(value: unknown, pool: string): ProxyVersion | null {
  if (value === undefined) return null;
  if (value === 'v1' || value === 'v2') return value;
  throw new InvalidHttpOptionError(`pool ${pool}.sendProxy: expected v1 or v2`);
}

function proxyAcceptor(options: HttpListenerOptions, clientHeader: number | undefined): ProxyAcceptor {
  try {
    return new ProxyAcceptor({
      from: options.acceptProxyFrom,
      timeoutMs: clientHeader ?? DEFAULTS.clientHeader,
    });
  } catch (error) {
    throw new InvalidHttpOptionError((error as Error).message);
  }
}

export function compileRuntime(
  options: HttpListenerOptions,
  pools: ReadonlyMap<string, Pool>,
  poolOptions: PoolOptionsInput | undefined,
  stats: StatsRegistry,
  logger: Logger,
  overflow: HttpOverflow | null = null,
): ListenerRuntime {
  const router = new Router(options, new Set(pools.keys()));
  for (const route of router.routes) route.stats = stats.route(route.name);
  if (router.fallback !== null) router.fallback.stats = stats.route('default');
  const byName = (name: string): HttpPoolOptions | undefined =>
    poolOptions === undefined
      ? undefined
      : poolOptions instanceof Map
        ? poolOptions.get(name)
        : (poolOptions as Readonly<Record<string, HttpPoolOptions>>)[name];
  const runtimes = new Map<string, PoolRuntime>();
  for (const [name, pool] of pools) {
    const o = byName(name) ?? {};
    runtimes.set(name, {
      pool,
      queueTimeout: positive(o.queueTimeout, DEFAULTS.queueTimeout, `pool ${name}.queueTimeout`),
      maxQueue: o.maxQueue ?? DEFAULTS.maxQueue,
      outlier: o.outlier ?? null,
      icp: o.icp ?? null,
      sendProxy: sendProxyOf(o.sendProxy, name),
      stats: stats.pool(name),
    });
  }
  const forwarded = options.forwarded ?? 'xff';
  if (forwarded !== 'xff' && forwarded !== 'rfc7239' && forwarded !== 'none') {
    throw new InvalidHttpOptionError(`forwarded: expected xff, rfc7239 or none, got "${String(forwarded)}"`);
  }
  const pseudonym = options.via ?? 'lvs7';
  if (!/^[A-Za-z0-9._-]+$/.test(pseudonym))
    throw new InvalidHttpOptionError(`via: invalid pseudonym "${pseudonym}"`);
  const accessLog = options.accessLog ?? 'off';
  if (accessLog !== 'off' && accessLog !== 'sampled' && accessLog !== 'full') {
    throw new InvalidHttpOptionError(`accessLog: expected off, sampled or full, got "${String(accessLog)}"`);
  }
  const limits = options.limits ?? {};
  const timeouts = options.timeouts ?? {};
  return {
    name: options.name,
    stats,
    router,
    pools: runtimes,
    limits: {
      maxHeaderSize: positive(limits.maxHeaderSize, DEFAULTS.maxHeaderSize, 'limits.maxHeaderSize'),
      maxHeaders: positive(limits.maxHeaders, DEFAULTS.maxHeaders, 'limits.maxHeaders'),
      maxRequestLine: positive(limits.maxRequestLine, DEFAULTS.maxRequestLine, 'limits.maxRequestLine'),
    },
    forwarded,
    dropForwarded: forwarded === 'xff' ? 1 : forwarded === 'rfc7239' ? 2 : 0,
    via: [`Via: 1.0 ${pseudonym}\r\n`, `Via: 1.1 ${pseudonym}\r\n`],
    clientHeader: positive(timeouts.clientHeader, DEFAULTS.clientHeader, 'timeouts.clientHeader'),
    clientIdle: positive(timeouts.clientIdle, DEFAULTS.clientIdle, 'timeouts.clientIdle'),
    trusted: compileTrustedProxies(options.trustedProxies),
    maxConnections: positive(options.maxConnections, DEFAULTS.maxConnections, 'maxConnections'),
    upstreamIdle: positive(options.upstream?.idleTimeout, DEFAULTS.upstreamIdle, 'upstream.idleTimeout'),
    maxIdlePerServer: positive(
      options.upstream?.maxIdlePerServer,
      DEFAULTS.maxIdlePerServer,
      'upstream.maxIdlePerServer',
    ),
    accessLogEvery: accessLogEvery(accessLog),
    proxy: options.acceptProxy === true ? proxyAcceptor(options, timeouts.clientHeader) : null,
    requestId: compileRequestId(options.requestId),
    overflow,
    logger,
  };
}
