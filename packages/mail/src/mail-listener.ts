import { readFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { type Endpoint, MemoryStateStore, ProxyAcceptor, type StateStore } from '@lvs7/core';
import type { Logger } from 'pino';
import { InvalidMailOptionError, imapReply, MailError, pop3Reply } from './errors.js';
import { ImapSession } from './imap/imap-session.js';
import { AuthPenalty } from './limits/auth-penalty.js';
import { ConnectionLimiter } from './limits/connection-limiter.js';
import {
  type MailListenerOptions,
  type MailProtocol,
  type ResolvedMailListenerOptions,
  resolveMailListenerOptions,
} from './options.js';
import { Pop3Session } from './pop3/pop3-session.js';
import { MailRouter } from './router/mail-router.js';
import type { MailSession, SessionContext } from './session/mail-session.js';
import { SPLICE_BUFFER } from './session/splice.js';

/** A session as the admin API and status pages show it. */
export interface MailSessionView {
  readonly id: string;
  readonly client: string;
  readonly state: string;
  readonly mailbox: string | undefined;
  readonly server: string | undefined;
}

function pem(value: string, what: string, listener: string): string {
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    throw new InvalidMailOptionError(listener, [
      `${what}: cannot read "${value}": ${(error as Error).message}`,
    ]);
  }
}

function secureContextOf(options: ResolvedMailListenerOptions): tls.SecureContext | undefined {
  if (options.tls === undefined) return undefined;
  const cert = pem(options.tls.cert, 'tls.cert', options.name);
  const key = pem(options.tls.key, 'tls.key', options.name);
  try {
    return tls.createSecureContext({ cert, key });
  } catch (error) {
    throw new InvalidMailOptionError(options.name, [`tls: ${(error as Error).message}`]);
  }
}

function proxyAcceptor(options: ResolvedMailListenerOptions): ProxyAcceptor | undefined {
  if (!options.acceptProxy) return undefined;
  return new ProxyAcceptor({ from: options.acceptProxyFrom, timeoutMs: options.limits.proxyHeaderTimeout });
}

/**
 * A POP3 or IMAP4 listener: accepts clients (plain, STARTTLS or implicit
 * TLS), enforces connection limits, runs one session per client, and routes
 * each login through its MailRouter. Fits the CLI's RunningListener.
 */
export class MailListener {
  readonly name: string;
  readonly protocol: MailProtocol;
  readonly router: MailRouter;
  #options: ResolvedMailListenerOptions;
  #secureContext: tls.SecureContext | undefined;
  readonly #state: StateStore;
  readonly #server: net.Server;
  readonly #sessions = new Set<MailSession>();
  readonly #limiter: ConnectionLimiter;
  #penalty: AuthPenalty;
  readonly #logger: Logger | undefined;
  readonly #context: SessionContext;
  #closing = false;
  #idle: (() => void) | undefined;
  #proxy: ProxyAcceptor | undefined;
  /**
   * Set by lvs7 on site listeners: sees every new connection first and
   * returns true when it took it (overflow to a peer site).
   */
  front: ((socket: net.Socket) => boolean) | undefined;

  constructor(options: MailListenerOptions) {
    this.#options = resolveMailListenerOptions(options);
    this.name = this.#options.name;
    this.protocol = this.#options.protocol;
    this.#secureContext = secureContextOf(this.#options);
    this.#proxy = proxyAcceptor(this.#options);
    this.#state = this.#options.state ?? new MemoryStateStore();
    this.#logger = this.#options.logger?.child({
      component: 'mail',
      listener: this.name,
      protocol: this.protocol,
    });
    this.router = new MailRouter({
      pool: this.#options.pool,
      directory: this.#options.directory,
      state: this.#state,
      placementTtl: this.#options.placementTtl,
      placementMaxEntries: this.#options.placementMaxEntries,
    });
    if (!this.#options.pool.hashing) {
      this.#logger?.warn(
        { pool: this.#options.pool.name },
        'pool scheduler does not hash: placements only consistent while remembered',
      );
    }
    const { limits } = this.#options;
    this.#limiter = new ConnectionLimiter(limits.maxConnections, limits.maxConnectionsPerIp);
    this.#penalty = new AuthPenalty({ baseDelay: limits.authFailureDelay });
    // Sessions read the listener's current options, so update() applies to new commands at once.
    const listener = this;
    this.#context = {
      get options() {
        return listener.#options;
      },
      get secureContext() {
        return listener.#secureContext;
      },
      get penalty() {
        return listener.#penalty;
      },
      router: this.router,
      logger: this.#logger,
      onEnd: (session) => this.#sessionEnded(session),
    };
    this.#server = net.createServer({ noDelay: true, highWaterMark: SPLICE_BUFFER }, (socket) =>
      this.#accept(socket),
    );
  }

  get options(): ResolvedMailListenerOptions {
    return this.#options;
  }

  listen(): Promise<void> {
    const { host, port } = this.#options.listen;
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host, port }, () => {
        this.#server.off('error', reject);
        this.#logger?.info({ address: this.address() }, 'listening');
        resolve();
      });
    });
  }

  address(): AddressInfo | string | null {
    return this.#server.address();
  }

  /** Client connections now (sessions before and after login). */
  get connections(): number {
    return this.#sessions.size;
  }

  sessions(): MailSessionView[] {
    return [...this.#sessions].map((s) => ({
      id: s.id,
      client: `${s.clientAddress}:${s.clientPort}`,
      state: s.state,
      mailbox: s.mailbox,
      server: s.server?.name,
    }));
  }

  /**
   * Applies reloaded options (same name, protocol and address): limits, TLS,
   * pool, directory and the rest apply to new sessions; live sessions stay.
   */
  update(options: MailListenerOptions): void {
    const next = resolveMailListenerOptions(options);
    const problems: string[] = [];
    if (next.name !== this.name) problems.push('name: cannot change on reload');
    if (next.protocol !== this.protocol) problems.push('protocol: cannot change on reload');
    const { host, port } = this.#options.listen;
    if (next.listen.host !== host || next.listen.port !== port)
      problems.push('listen: cannot change on reload');
    if (problems.length > 0) throw new InvalidMailOptionError(this.name, problems);
    this.#secureContext = secureContextOf(next);
    this.#options = next;
    this.#proxy = proxyAcceptor(next);
    this.#limiter.maxConnections = next.limits.maxConnections;
    this.#limiter.maxPerIp = next.limits.maxConnectionsPerIp;
    if (next.limits.authFailureDelay !== this.#penalty.baseDelay) {
      this.#penalty = new AuthPenalty({ baseDelay: next.limits.authFailureDelay });
    }
    this.router.update(next.pool, next.directory);
  }

  /**
   * Stops accepting; sessions not logged in are told and closed at once,
   * proxied ones may finish for up to drainTimeoutMs, then are closed.
   */
  async close(options: { drainTimeoutMs: number } = { drainTimeoutMs: 0 }): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const session of this.#sessions) session.shutdown();
    if (this.#sessions.size > 0) {
      const idle = new Promise<void>((resolve) => {
        this.#idle = resolve;
      });
      const timer = setTimeout(() => {
        for (const session of this.#sessions) session.kick('listener closed');
      }, options.drainTimeoutMs);
      await idle;
      clearTimeout(timer);
    }
    this.router.close();
    await closed;
  }

  /**
   * Serves a connection accepted elsewhere (lvs7 also binds a site
   * listener's port on the site's own address), without `front` or
   * acceptProxy; `ends` as a PROXY header already read named them.
   */
  acceptConnection(raw: net.Socket, ends?: { client: Endpoint; local: Endpoint }): void {
    this.#open(raw, ends);
  }

  #accept(raw: net.Socket): void {
    const proxy = this.#proxy;
    if (proxy === undefined || !proxy.expects(raw.remoteAddress ?? '')) {
      // Overflow to a peer site splices raw bytes: only for connections that carry no PROXY header
      // of their own (those from a balancer in front are served here).
      if (this.front?.(raw) === true) return;
      this.#open(raw, undefined);
      return;
    }
    raw.on('error', () => {});
    // The PROXY header comes first (before implicit TLS and our greeting); its client is the session's.
    proxy.accept(raw).then(
      ({ client, local, rest }) => {
        if (rest.length > 0) raw.unshift(rest);
        const implicit = this.#options.tls?.mode === 'implicit' && this.#secureContext !== undefined;
        this.#open(raw, { client, local });
        // A TLS socket reads the raw one itself (bytes unshifted included); resuming it would steal them.
        if (!implicit) raw.resume();
      },
      (error: unknown) =>
        this.#logger?.info(
          { client: raw.remoteAddress, err: (error as Error).message },
          'client sent no valid PROXY header',
        ),
    );
  }

  /** `ends`: the client and local endpoints a PROXY header named. */
  #open(raw: net.Socket, ends: { client: Endpoint; local: Endpoint } | undefined): void {
    const ip = ends?.client.address ?? raw.remoteAddress ?? '';
    raw.on('error', () => {}); // sessions add their own; errors before that must not crash
    if (this.#closing) {
      raw.destroy();
      return;
    }
    const implicit = this.#options.tls?.mode === 'implicit' && this.#secureContext !== undefined;
    const socket = implicit
      ? new tls.TLSSocket(raw, { isServer: true, secureContext: this.#secureContext })
      : raw;
    if (!this.#limiter.acquire(ip)) {
      const error = new MailError('LVS7_MAIL_TOO_MANY_CONNECTIONS');
      this.#logger?.warn({ client: ip, total: this.#limiter.total }, 'connection refused: limit reached');
      socket.on('error', () => {});
      socket.end(this.protocol === 'imap' ? imapReply(error, '*') : pop3Reply(error));
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    const session =
      this.protocol === 'imap'
        ? new ImapSession(socket, this.#context, implicit, raw, ends)
        : new Pop3Session(socket, this.#context, implicit, raw, ends);
    this.#sessions.add(session);
    session.start();
  }

  #sessionEnded(session: MailSession): void {
    if (!this.#sessions.delete(session)) return;
    this.#limiter.release(session.clientAddress);
    if (this.#closing && this.#sessions.size === 0) this.#idle?.();
  }
}
