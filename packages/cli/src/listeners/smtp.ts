import { resolve } from 'node:path';
import type { ListenerStatsView } from '@lvs7/admin';
import type { SmtpListenerConfig } from '@lvs7/config';
import { SmtpListener, type SmtpListenerOptions } from '@lvs7/smtp';
import type { ListenerContext } from '../listener-factory.js';
import { ListenerAdapter } from './listener-adapter.js';

/** The config's smtp listener → the SMTP distributor's options. */
export function smtpListenerOptions(
  config: SmtpListenerConfig,
  context: ListenerContext,
): SmtpListenerOptions {
  const directory = context.directories.get(config.directory);
  const pool = context.pools.get(config.pool);
  if (!directory) throw new Error(`listener ${config.name}: unknown directory "${config.directory}"`);
  if (!pool) throw new Error(`listener ${config.name}: unknown pool "${config.pool}"`);
  const relayPool = config.relayPool === undefined ? undefined : context.pools.get(config.relayPool);
  const backend = (poolName: string) => {
    const pool = context.config.pools[poolName];
    return {
      protocol: pool?.protocol === 'lmtp' ? ('lmtp' as const) : ('smtp' as const),
      clientInfo: config.clientInfo,
      // The pool's sendProxy; the listener's proxyProtocol is its deprecated predecessor.
      proxyProtocol: pool?.sendProxy ?? config.proxyProtocol,
    };
  };
  const tls = config.tls;
  const cert = tls?.cert ?? tls?.certificates?.[0]?.cert;
  const key = tls?.key ?? tls?.certificates?.[0]?.key;
  const auth = config.auth;
  return {
    name: config.name,
    listen: config.listen,
    hostname: config.hostname,
    directory,
    pool,
    backend: backend(config.pool),
    relayPool,
    relayBackend: config.relayPool === undefined ? undefined : backend(config.relayPool),
    domains: config.domains,
    tls:
      tls && cert && key
        ? { cert: resolve(context.baseDir, cert), key: resolve(context.baseDir, key), mode: tls.mode }
        : undefined,
    maxMessageSize: config.maxMessageSize,
    auth:
      auth === undefined || auth === false
        ? undefined
        : auth === true
          ? {}
          : {
              directory: auth.directory ? context.directories.get(auth.directory) : undefined,
              requireTls: auth.requireTls,
            },
    acceptProxy: config.acceptProxy,
    acceptProxyFrom: config.acceptProxyFrom,
    limits: { ...config.limits, ...(config.maxConnections ? { maxConnections: config.maxConnections } : {}) },
    accessLog: config.accessLog,
    state: context.state,
    logger: context.logger,
  } as SmtpListenerOptions;
}

export class SmtpListenerAdapter extends ListenerAdapter<
  SmtpListenerConfig,
  SmtpListenerOptions,
  SmtpListener
> {
  constructor(config: SmtpListenerConfig, context: ListenerContext) {
    super(config, context, (options) => new SmtpListener(options));
  }

  protected toOptions(config: SmtpListenerConfig, context: ListenerContext): SmtpListenerOptions {
    return smtpListenerOptions(config, context);
  }

  stats(): ListenerStatsView {
    const s = this.listener.stats.snapshot();
    const accepted = s.outcomes ? Object.values(s.outcomes).reduce((a, b) => a + b, 0) : s.messages;
    return {
      name: this.config.name,
      protocol: 'smtp',
      listen: this.config.listen,
      connections: s.activeConnections,
      connectionsTotal: s.connections,
      traffic: {
        requests: Math.max(s.messages, accepted),
        active: s.activeConnections,
        responses: {
          '1xx': 0,
          '2xx': s.messages,
          '3xx': 0,
          '4xx': s.replies['4xx'],
          '5xx': s.replies['5xx'],
        },
        bytesIn: s.bytes,
        bytesOut: 0,
        retries: 0,
        errors: {},
        latency: s.verdictLatency,
      },
      routes: {},
      pools: {},
      servers: {},
    };
  }
}
