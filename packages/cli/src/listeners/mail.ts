import { resolve } from 'node:path';
import type { ListenerStatsView } from '@lvs7/admin';
import type { MailListenerConfig } from '@lvs7/config';
import { MailListener, type MailListenerOptions } from '@lvs7/mail';
import type { ListenerContext } from '../listener-factory.js';
import { ListenerAdapter } from './listener-adapter.js';

/** The config's imap/pop3 listener → the mail distributor's options. */
export function mailListenerOptions(
  config: MailListenerConfig,
  context: ListenerContext,
): MailListenerOptions {
  const directory = context.directories.get(config.directory);
  const pool = context.pools.get(config.pool);
  if (!directory) throw new Error(`listener ${config.name}: unknown directory "${config.directory}"`);
  if (!pool) throw new Error(`listener ${config.name}: unknown pool "${config.pool}"`);
  const tls = config.tls;
  const cert = tls?.cert ?? tls?.certificates?.[0]?.cert;
  const key = tls?.key ?? tls?.certificates?.[0]?.key;
  return {
    name: config.name,
    protocol: config.protocol,
    listen: config.listen,
    directory,
    pool,
    tls:
      tls && cert && key
        ? { cert: resolve(context.baseDir, cert), key: resolve(context.baseDir, key), mode: tls.mode }
        : undefined,
    backendTls: config.backendTls,
    backendTlsVerify: config.backendTlsVerify,
    backendCa: config.backendCa && resolve(context.baseDir, config.backendCa),
    limits: config.limits,
    placementTtl: config.placementTtl,
    sendId: config.sendId,
    xclient: config.xclient,
    acceptProxy: config.acceptProxy,
    acceptProxyFrom: config.acceptProxyFrom,
    // The pool's sendProxy; the listener's proxyProtocol is its deprecated predecessor.
    proxyProtocol: context.config.pools[config.pool]?.sendProxy ?? config.proxyProtocol,
    backendTimeouts: config.backendTimeouts,
    greeting: config.greeting,
    accessLog: config.accessLog,
    state: context.state,
    logger: context.logger,
  } as MailListenerOptions;
}

export class MailListenerAdapter extends ListenerAdapter<
  MailListenerConfig,
  MailListenerOptions,
  MailListener
> {
  constructor(config: MailListenerConfig, context: ListenerContext) {
    super(config, context, (options) => new MailListener(options));
  }

  protected toOptions(config: MailListenerConfig, context: ListenerContext): MailListenerOptions {
    return mailListenerOptions(config, context);
  }

  stats(): ListenerStatsView {
    const sessions = this.listener.sessions().length;
    const empty = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
    return {
      name: this.config.name,
      protocol: this.config.protocol,
      listen: this.config.listen,
      connections: this.listener.connections,
      connectionsTotal: 0,
      traffic: {
        requests: 0,
        active: sessions,
        responses: empty,
        bytesIn: 0,
        bytesOut: 0,
        retries: 0,
        errors: {},
        latency: { bucketsMs: [], counts: [0], sumMs: 0, count: 0 },
      },
      routes: {},
      pools: {},
      servers: {},
    };
  }
}
