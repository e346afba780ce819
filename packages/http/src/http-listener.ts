import {
  type AddressInfo,
  createServer as createTcpServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type Server as TlsServer } from 'node:tls';
import { type Pool, parseHostPort, unmapIpv4 } from '@lvs7/core';
import type { Logger } from 'pino';
import { ClientConnection, type ListenerCore } from './client-connection.js';
import { ListenerRebindError } from './errors.js';
import { H2Frontend } from './h2-frontend.js';
import type { HttpListenerOptions } from './options.js';
import { HttpOverflow, type HttpOverflowHook } from './overflow.js';
import { tagProxied } from './proxy-protocol.js';
import { compileRuntime, type ListenerRuntime, type PoolOptionsInput } from './runtime.js';
import { type HttpListenerStats, StatsRegistry } from './stats.js';
import { CertificateStore } from './tls.js';
import { HIGH_WATER_MARK } from './upstream/connection.js';
import { UpstreamPools } from './upstream/pool.js';

export interface HttpListenerInit {
  readonly options: HttpListenerOptions;
  readonly pools: ReadonlyMap<string, Pool>;
  /** queueTimeout, maxQueue and the OutlierReporter, by pool name. */
  readonly poolOptions?: PoolOptionsInput | undefined;
  readonly logger: Logger;
  /** Site listeners: new requests may go to peer sites while this site is overloaded. */
  readonly overflow?: HttpOverflowHook | undefined;
}

export interface CloseOptions {
  /** In-flight exchanges get this long to finish before connections are cut; default 10 000. */
  readonly drainTimeoutMs?: number | undefined;
}

/**
 * An HTTP/1.1 (and, over TLS, optionally HTTP/2) reverse-proxy listener:
 * routes each request to a pool, picks a server, and relays the exchange.
 */
export class HttpListener implements ListenerCore {
  readonly stats = new StatsRegistry();
  readonly upstreams: UpstreamPools;
  readonly logger: Logger;
  #runtime: ListenerRuntime;
  #options: HttpListenerOptions;
  #pools: ReadonlyMap<string, Pool>;
  #server: NetServer | null = null;
  #certs: CertificateStore | null = null;
  #tls: TlsServer | null = null;
  #h2: H2Frontend | null = null;
  readonly #connections = new Set<ClientConnection>();
  #closing = false;
  #allClosed: (() => void) | null = null;
  readonly #overflow: HttpOverflow | null;
  readonly #onPoolChange = (): void => this.#pruneUpstreams();

  constructor(init: HttpListenerInit) {
    this.logger = init.logger;
    this.#options = init.options;
    this.#pools = init.pools;
    this.#overflow =
      init.overflow === undefined
        ? null
        : new HttpOverflow(
            init.overflow,
            () => this.address()?.port ?? parseHostPort(this.#options.listen).port,
          );
    this.#runtime = compileRuntime(
      init.options,
      init.pools,
      init.poolOptions,
      this.stats,
      init.logger,
      this.#overflow,
    );
    this.upstreams = new UpstreamPools({
      idleTimeout: this.#runtime.upstreamIdle,
      maxIdlePerServer: this.#runtime.maxIdlePerServer,
    });
    if (init.options.tls !== undefined) this.#certs = new CertificateStore(init.options.tls);
    this.#watchPools(init.pools, true);
  }

  get name(): string {
    return this.#runtime.name;
  }

  get runtime(): ListenerRuntime {
    return this.#runtime;
  }

  get closing(): boolean {
    return this.#closing;
  }

  listen(): Promise<void> {
    const { host, port } = parseHostPort(this.#options.listen);
    const certs = this.#certs;
    let tls: TlsServer | null = null;
    if (certs !== null) {
      const http2 = this.#options.tls?.http2 === true;
      tls = createTlsServer(
        // No allowHalfOpen here: TLS sockets half-open that way never release their TCP connection.
        {
          ...certs.serverOptions(http2, (name, cb) => cb(null, this.#certs!.contextFor(name))),
          highWaterMark: HIGH_WATER_MARK,
        },
      );
      tls.on('secureConnection', (socket: TLSSocket) => {
        if (socket.alpnProtocol === 'h2') this.#h2Frontend().accept(socket);
        else this.#accept(socket, 'https');
      });
      tls.on('tlsClientError', (error) => this.logger.debug({ err: error }, 'TLS handshake failed'));
      this.#tls = tls;
    }
    const tcpOptions = { noDelay: true, allowHalfOpen: certs === null, highWaterMark: HIGH_WATER_MARK };
    let server: NetServer;
    if (this.#options.acceptProxy === true) {
      server = createTcpServer(tcpOptions, (raw) => this.#acceptProxied(raw, tls));
    } else server = tls ?? createTcpServer(tcpOptions, (socket) => this.#accept(socket, 'http'));
    server.maxConnections = this.#runtime.maxConnections;
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, backlog: 4096 }, () => {
        server.off('error', reject);
        server.on('error', (error) => this.logger.error({ err: error }, 'listener error'));
        this.logger.info({ listener: this.name, address: this.address() }, 'http listener started');
        resolve();
      });
    });
  }

  address(): AddressInfo | null {
    const a = this.#server?.address();
    return a !== null && typeof a === 'object' ? a : null;
  }

  /**
   * Applies reloaded options and pools: new requests use them, requests in
   * flight finish with the old ones, no connection is dropped. Throws (and
   * changes nothing) if the options are invalid or would need a new socket.
   */
  update(
    options: HttpListenerOptions,
    pools: ReadonlyMap<string, Pool>,
    poolOptions?: PoolOptionsInput,
  ): void {
    if (
      options.listen !== this.#options.listen ||
      (options.tls === undefined) !== (this.#options.tls === undefined) ||
      (options.acceptProxy === true) !== (this.#options.acceptProxy === true)
    ) {
      throw new ListenerRebindError(this.#options.name);
    }
    const runtime = compileRuntime(options, pools, poolOptions, this.stats, this.logger, this.#overflow);
    const certs = options.tls === undefined ? null : new CertificateStore(options.tls);
    this.#watchPools(this.#pools, false);
    this.#options = options;
    this.#pools = pools;
    this.#runtime = runtime;
    this.#watchPools(pools, true);
    this.upstreams.options = {
      idleTimeout: runtime.upstreamIdle,
      maxIdlePerServer: runtime.maxIdlePerServer,
    };
    if (certs !== null) {
      this.#certs = certs;
      this.#tls?.setSecureContext(certs.defaultOptions);
    }
    if (this.#server !== null) this.#server.maxConnections = runtime.maxConnections;
    this.#pruneUpstreams();
  }

  /** Counters for metrics (a fresh plain object each call). */
  statsSnapshot(): HttpListenerStats {
    const snapshot = this.stats.snapshot(this.name);
    snapshot.listener.connections = this.#connections.size + (this.#h2?.sessions ?? 0);
    return snapshot;
  }

  /**
   * Stops accepting, lets in-flight exchanges finish (closing each
   * connection once idle), then cuts whatever is left at the deadline.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
    const server = this.#server;
    const closed = server === null ? Promise.resolve() : new Promise<void>((r) => server.close(() => r()));
    for (const conn of this.#connections) conn.closeWhenIdle();
    this.#h2?.closeWhenIdle();
    if (this.#connections.size > 0 || (this.#h2?.sessions ?? 0) > 0) {
      const drained = new Promise<void>((resolve) => {
        this.#allClosed = resolve;
      });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, drainTimeoutMs);
      });
      await Promise.race([drained, deadline]);
      clearTimeout(timer);
      for (const conn of this.#connections) conn.socket.destroy();
      this.#h2?.destroy();
    }
    await closed;
    this.upstreams.destroy();
    this.#watchPools(this.#pools, false);
    this.logger.info({ listener: this.name }, 'http listener closed');
  }

  /**
   * A connection accepted on another socket (lvs7 binds a site listener's
   * port on the site's own address too): served like one of ours.
   */
  acceptConnection(raw: Socket): void {
    raw.setNoDelay(true);
    if (this.#tls !== null) this.#tls.emit('connection', raw);
    else this.#accept(raw, 'http');
  }

  connectionClosed(conn: ClientConnection): void {
    this.#connections.delete(conn);
    this.stats.connections = this.#connections.size;
    this.#checkDrained();
  }

  #checkDrained(): void {
    if (this.#allClosed !== null && this.#connections.size === 0 && (this.#h2?.sessions ?? 0) === 0) {
      this.#allClosed();
      this.#allClosed = null;
    }
  }

  #accept(socket: Socket, proto: string): void {
    // A connection that arrives while closing was already accepted (a worker of
    // `workers: N` can be handed one as it stops): it is served once, with
    // `Connection: close`, never dropped unanswered.
    const conn = new ClientConnection(socket, this, proto);
    this.#connections.add(conn);
    this.stats.connections = this.#connections.size;
    this.stats.connectionsTotal++;
  }

  /** The PROXY header comes first, before TLS too: read it (when due from this peer), then hand the socket on. */
  #acceptProxied(raw: Socket, tls: TlsServer | null): void {
    const handOn = (): void => {
      if (tls !== null) tls.emit('connection', raw);
      else {
        this.#accept(raw, 'http');
        raw.resume();
      }
    };
    const proxy = this.#runtime.proxy;
    if (proxy === null || !proxy.expects(unmapIpv4(raw.remoteAddress ?? ''))) {
      handOn();
      return;
    }
    raw.on('error', () => {}); // until a connection owns it; a failed header destroys it
    proxy.accept(raw).then(
      ({ client, local, rest }) => {
        tagProxied(raw, { client, local });
        if (rest.length > 0) raw.unshift(rest);
        handOn();
      },
      (error: unknown) => this.logger.debug({ err: error }, 'no valid PROXY header'),
    );
  }

  #h2Frontend(): H2Frontend {
    this.#h2 ??= new H2Frontend(this, () => this.#checkDrained());
    return this.#h2;
  }

  #watchPools(pools: ReadonlyMap<string, Pool>, on: boolean): void {
    for (const pool of pools.values()) {
      if (on) pool.on('change', this.#onPoolChange);
      else pool.off('change', this.#onPoolChange);
    }
  }

  /** Idle connections to servers no pool has any more are closed. */
  #pruneUpstreams(): void {
    const pools = [...this.#pools.values()];
    const overflow = this.#overflow;
    this.upstreams.prune(
      (server) => pools.some((p) => p.get(server.name) === server) || overflow?.has(server) === true,
    );
  }
}
