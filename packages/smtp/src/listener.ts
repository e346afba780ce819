import { readFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { type Endpoint, localPreamble, type Pool, ProxyAcceptor, unmapIpv4 } from '@lvs7/core';
import { ConnectionCache } from './backend/connection-cache.js';
import { SmtpError, SmtpListenerRebindError } from './errors.js';
import type { ResolvedBackendOptions, ResolvedSmtpListenerOptions, SmtpListenerOptions } from './options.js';
import { formatReply } from './reply.js';
import { resolveSmtpListenerOptions } from './resolve-options.js';
import { RecipientPlacement } from './routing/placement.js';
import { type BackendRoute, RecipientRouter } from './routing/recipient-router.js';
import type { SessionRuntime } from './server/runtime.js';
import { SmtpSession } from './server/session.js';
import { SmtpStats } from './stats.js';

export interface SmtpCloseOptions {
  /** Transactions in flight get this long to finish before connections are cut; default 10 000. */
  readonly drainTimeoutMs?: number | undefined;
}

/** Longest wait for backends at listen() to learn what they offer (8BITMIME, SMTPUTF8, SIZE). */
const PROBE_TIMEOUT_MS = 2000;

/**
 * The SMTP distributor's listener: accepts clients (PROXY header first when
 * configured, implicit TLS or STARTTLS), enforces connection limits, and
 * runs one SmtpSession per connection against the current runtime.
 */
export class SmtpListener {
  readonly stats: SmtpStats;
  #options: ResolvedSmtpListenerOptions;
  #runtime: SessionRuntime;
  #proxy: ProxyAcceptor | undefined;
  #server: net.Server | undefined;
  readonly #sessions = new Set<SmtpSession>();
  readonly #perIp = new Map<string, number>();
  #nextId = 0;
  #closing = false;
  #onEmpty: (() => void) | undefined;
  /**
   * Set by lvs7 on site listeners: sees every new connection first and
   * returns true when it took it (overflow to a peer site).
   */
  front: ((socket: net.Socket) => boolean) | undefined;

  constructor(options: SmtpListenerOptions) {
    this.#options = resolveSmtpListenerOptions(options);
    this.stats = new SmtpStats(this.#options.name);
    this.#runtime = this.#compile(this.#options);
    this.#proxy = proxyAcceptor(this.#options);
  }

  get name(): string {
    return this.#options.name;
  }

  /** Sessions open now. */
  get sessions(): number {
    return this.#sessions.size;
  }

  async listen(): Promise<void> {
    const { listen } = this.#options;
    await this.#probe(this.#runtime);
    // A plain TCP server even for implicit TLS: the PROXY header, if any, comes before the handshake.
    const server = net.createServer({ noDelay: true }, (socket) => this.#accept(socket));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: listen.host, port: listen.port, backlog: 1024 }, () => {
        server.off('error', reject);
        server.on('error', (error) => this.#options.logger?.error({ err: error }, 'smtp listener error'));
        this.#options.logger?.info({ listener: this.name, address: this.address() }, 'smtp listener started');
        resolve();
      });
    });
  }

  address(): AddressInfo | null {
    const a = this.#server?.address();
    return a !== null && typeof a === 'object' ? a : null;
  }

  /**
   * Applies new options (same listen address and TLS mode): new sessions use
   * them, sessions in progress finish with the old ones. Throws, changing
   * nothing, when they are invalid.
   */
  update(options: SmtpListenerOptions): void {
    const next = resolveSmtpListenerOptions(options);
    const old = this.#options;
    if (
      next.listen.host !== old.listen.host ||
      next.listen.port !== old.listen.port ||
      next.tls?.mode !== old.tls?.mode
    ) {
      throw new SmtpListenerRebindError(old.name);
    }
    const runtime = this.#compile(next);
    for (const route of this.#runtime.routes) {
      route.connections.close();
      route.placement?.close();
    }
    this.#options = next;
    this.#runtime = runtime;
    this.#proxy = proxyAcceptor(next);
    void this.#probe(runtime);
  }

  /** Stops accepting; idle sessions get 421 now, the others after their transaction or at the deadline. */
  async close(options: SmtpCloseOptions = {}): Promise<void> {
    this.#closing = true;
    const server = this.#server;
    const closed =
      server === undefined
        ? Promise.resolve()
        : new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of this.#sessions)
      if (session.idle) session.send(new SmtpError('LVS7_SMTP_SHUTTING_DOWN').reply);
    if (this.#sessions.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (this.#onEmpty = resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, options.drainTimeoutMs ?? 10_000))),
      ]);
      clearTimeout(timer);
      this.#onEmpty = undefined;
    }
    for (const session of this.#sessions) session.send(new SmtpError('LVS7_SMTP_SHUTTING_DOWN').reply);
    for (const route of this.#runtime.routes) {
      route.connections.close();
      route.placement?.close();
    }
    await closed;
  }

  #compile(options: ResolvedSmtpListenerOptions): SessionRuntime {
    const route = (
      kind: BackendRoute['kind'],
      pool: Pool,
      backend: ResolvedBackendOptions,
    ): BackendRoute => ({
      kind,
      pool,
      backend,
      connections: new ConnectionCache({ ...backend, helo: options.hostname }),
      placement:
        kind === 'mailbox' ? new RecipientPlacement(pool, options.directory, options.state) : undefined,
    });
    const mailbox = route('mailbox', options.pool, options.backend);
    const relay =
      options.relayPool === undefined ? undefined : route('relay', options.relayPool, options.relayBackend);
    const tlsOptions = options.tls;
    return {
      options,
      router: new RecipientRouter(options.domains, options.directory, mailbox, relay),
      routes: relay === undefined ? [mailbox] : [mailbox, relay],
      secureContext:
        tlsOptions === undefined
          ? undefined
          : tls.createSecureContext({ cert: pem(tlsOptions.cert), key: pem(tlsOptions.key) }),
      stats: this.stats,
      logger: options.logger,
      closing: () => this.#closing,
    };
  }

  async #probe(runtime: SessionRuntime): Promise<void> {
    await Promise.all(
      runtime.routes.map((r) => {
        // Our own connection, not a client's: LOCAL (v2) / UNKNOWN (v1), as a health check.
        const proxy = r.backend.proxyProtocol;
        const preamble = proxy === undefined ? undefined : localPreamble(proxy);
        return r.connections.probe(r.pool.servers(), PROBE_TIMEOUT_MS, preamble);
      }),
    );
  }

  /**
   * Serves a connection accepted elsewhere (lvs7 also binds a site
   * listener's port on the site's own address), without `front` or
   * acceptProxy; `ends` as a PROXY header already read named them.
   */
  acceptConnection(socket: net.Socket, ends?: { client: Endpoint; local: Endpoint }): void {
    socket.on('error', () => socket.destroy());
    if (this.#closing || this.#sessions.size >= this.#options.limits.maxConnections) {
      this.#turnAway(socket, this.#closing ? 'LVS7_SMTP_SHUTTING_DOWN' : 'LVS7_SMTP_TOO_MANY_CONNECTIONS');
      return;
    }
    const direct = { address: unmapIpv4(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    this.#secure(socket, ends?.client ?? direct, ends?.local, undefined);
  }

  #accept(socket: net.Socket): void {
    const limits = this.#options.limits;
    const ip = unmapIpv4(socket.remoteAddress ?? '');
    socket.on('error', () => socket.destroy());
    if (this.#closing || this.#sessions.size >= limits.maxConnections) {
      this.#turnAway(socket, this.#closing ? 'LVS7_SMTP_SHUTTING_DOWN' : 'LVS7_SMTP_TOO_MANY_CONNECTIONS');
      return;
    }
    const proxy = this.#proxy;
    if (proxy === undefined || !proxy.expects(ip)) {
      // Overflow to a peer site splices raw bytes: only for connections that carry no PROXY header
      // of their own (those from a balancer in front are served here).
      if (this.front?.(socket) === true) return;
      this.#secure(socket, { address: ip, port: socket.remotePort ?? 0 }, undefined, undefined);
      return;
    }
    proxy.accept(socket).then(
      ({ client, local, rest }) => {
        const implicit = this.#options.tls?.mode === 'implicit';
        this.#secure(socket, client, local, rest.length > 0 ? rest : undefined);
        // A TLS socket reads the raw one itself (bytes unshifted included); resuming it would steal them.
        if (!implicit) socket.resume();
      },
      (error: unknown) => {
        this.#options.logger?.info(
          { client: ip, err: (error as Error).message },
          'smtp client sent no valid PROXY header',
        );
      },
    );
  }

  /** Implicit TLS: the handshake comes first (after the PROXY header). */
  #secure(
    socket: net.Socket,
    client: Endpoint,
    local: Endpoint | undefined,
    initial: Buffer | undefined,
  ): void {
    if (this.#options.tls?.mode !== 'implicit') {
      this.#startSession(socket, client, local, initial);
      return;
    }
    if (initial !== undefined && initial.length > 0) socket.unshift(initial);
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: this.#runtime.secureContext! });
    const timer = setTimeout(() => secure.destroy(), this.#options.limits.proxyHeaderTimeout);
    secure.once('error', () => secure.destroy());
    secure.once('secure', () => {
      clearTimeout(timer);
      this.#startSession(secure, client, local, undefined);
    });
  }

  /** `local` is where the client connected (a PROXY header's destination), else our socket's address. */
  #startSession(
    socket: net.Socket,
    client: Endpoint,
    proxiedLocal: Endpoint | undefined,
    initial: Buffer | undefined,
  ): void {
    const { address } = client;
    const perIp = this.#options.limits.maxConnectionsPerIp;
    const count = (this.#perIp.get(address) ?? 0) + 1;
    if (perIp > 0 && count > perIp) {
      this.#turnAway(socket, 'LVS7_SMTP_TOO_MANY_CONNECTIONS', 'Too many connections from your address');
      return;
    }
    this.#perIp.set(address, count);
    const id = (++this.#nextId).toString(36);
    const local = proxiedLocal ?? {
      address: unmapIpv4(socket.localAddress ?? ''),
      port: socket.localPort ?? 0,
    };
    const session = new SmtpSession(id, socket, this.#runtime, client, local);
    this.#sessions.add(session);
    this.stats.connections++;
    this.stats.activeConnections++;
    socket.once('close', () => {
      this.#sessions.delete(session);
      this.stats.activeConnections--;
      const left = (this.#perIp.get(address) ?? 1) - 1;
      if (left <= 0) this.#perIp.delete(address);
      else this.#perIp.set(address, left);
      if (this.#sessions.size === 0) this.#onEmpty?.();
    });
    session.start(initial);
  }

  #turnAway(
    socket: net.Socket,
    code: 'LVS7_SMTP_SHUTTING_DOWN' | 'LVS7_SMTP_TOO_MANY_CONNECTIONS',
    text?: string,
  ): void {
    this.stats.reply(421);
    socket.end(formatReply(new SmtpError(code, text).reply));
    setTimeout(() => socket.destroy(), 1000).unref();
  }
}

function proxyAcceptor(options: ResolvedSmtpListenerOptions): ProxyAcceptor | undefined {
  if (!options.acceptProxy) return undefined;
  return new ProxyAcceptor({ from: options.acceptProxyFrom, timeoutMs: options.limits.proxyHeaderTimeout });
}

/** PEM text as given, or read from a path. */
function pem(value: string): string | Buffer {
  return value.includes('-----BEGIN') ? value : readFileSync(value);
}
