import type { Socket } from 'node:net';
import { resolve } from 'node:path';
import type { ListenerStatsView } from '@lvs7/admin';
import type { HttpListenerConfig, ListenerConfig } from '@lvs7/config';
import type { Pool } from '@lvs7/core';
import { HttpListener, type HttpListenerOptions, type HttpPoolOptions } from '@lvs7/http';
import { PoolIcpLocator } from '../icp-locator.js';
import type { ListenerContext, RunningListener } from '../listener-factory.js';

/** The config's http listener → the HTTP distributor's options (paths resolved, defaults kept). */
export function httpListenerOptions(config: HttpListenerConfig, baseDir: string): HttpListenerOptions {
  const tls = config.tls;
  return {
    ...config,
    tls:
      tls === undefined
        ? undefined
        : {
            http2: tls.http2,
            cert: tls.cert === undefined ? undefined : resolve(baseDir, tls.cert),
            key: tls.key === undefined ? undefined : resolve(baseDir, tls.key),
            certificates: tls.certificates?.map((c) => ({
              cert: resolve(baseDir, c.cert),
              key: resolve(baseDir, c.key),
            })),
          },
    default:
      config.default.pool !== undefined
        ? { pool: config.default.pool }
        : { status: config.default.status ?? 404 },
  } as HttpListenerOptions;
}

function poolOptions(
  context: ListenerContext,
  locators: Map<Pool, PoolIcpLocator>,
): Map<string, HttpPoolOptions> {
  const out = new Map<string, HttpPoolOptions>();
  for (const [name, runtime] of context.poolRuntimes) {
    const pool = context.config.pools[name];
    let icp = locators.get(runtime.pool);
    if (icp === undefined && PoolIcpLocator.wanted(runtime.pool)) {
      icp = new PoolIcpLocator(runtime.pool);
      locators.set(runtime.pool, icp);
    }
    out.set(name, {
      queueTimeout: pool?.queueTimeout,
      maxQueue: pool?.maxQueue,
      outlier: runtime.outlier,
      icp,
      sendProxy: pool?.sendProxy,
    });
  }
  return out;
}

/** On a site's VIP, the peer sites are trusted proxies: their X-Forwarded-For names the client. */
function withSite(options: HttpListenerOptions, context: ListenerContext): HttpListenerOptions {
  const site = context.site;
  if (site === undefined) return options;
  return { ...options, trustedProxies: [...(options.trustedProxies ?? []), ...site.peerAddresses()] };
}

/** Adapts the HTTP distributor to the instance's listener interface. */
export class HttpListenerAdapter implements RunningListener {
  readonly listener: HttpListener;
  readonly #config: HttpListenerConfig;
  readonly #locators = new Map<Pool, PoolIcpLocator>();

  constructor(config: HttpListenerConfig, context: ListenerContext) {
    this.#config = config;
    this.listener = new HttpListener({
      options: withSite(httpListenerOptions(config, context.baseDir), context),
      pools: context.pools,
      poolOptions: poolOptions(context, this.#locators),
      logger: context.logger,
      // Overflow goes to the peer as plain HTTP: not (yet) for listeners that speak TLS.
      overflow: config.tls === undefined ? context.site?.httpHook(config.name) : undefined,
    });
  }

  acceptSiteConnection(socket: Socket): void {
    this.listener.acceptConnection(socket);
  }

  listen(): Promise<void> {
    return this.listener.listen();
  }

  address() {
    return this.listener.address();
  }

  async close(options: { drainTimeoutMs: number }): Promise<void> {
    await this.listener.close(options);
    await Promise.all([...this.#locators.values()].map((l) => l.close()));
  }

  update(config: ListenerConfig, context: ListenerContext): void {
    this.listener.update(
      withSite(httpListenerOptions(config as HttpListenerConfig, context.baseDir), context),
      context.pools,
      poolOptions(context, this.#locators),
    );
  }

  stats(): ListenerStatsView {
    const s = this.listener.statsSnapshot();
    const { name: _name, connections, connectionsTotal, ...traffic } = s.listener;
    return {
      name: this.#config.name,
      protocol: 'http',
      listen: this.#config.listen,
      connections,
      connectionsTotal,
      traffic,
      routes: s.routes,
      pools: s.pools,
      servers: s.servers,
    };
  }
}
