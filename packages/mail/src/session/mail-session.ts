import type net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import type { Endpoint, Server } from '@lvs7/core';
import type { Logger } from 'pino';
import type { ClientInfo } from '../backend/backend-driver.js';
import { AuthFailedError, asMailError, MailError } from '../errors.js';
import type { AuthPenalty } from '../limits/auth-penalty.js';
import type { ResolvedMailListenerOptions } from '../options.js';
import { LineFramer } from '../protocol/line-framer.js';
import type { Credentials } from '../protocol/sasl-plain.js';
import type { MailRouter } from '../router/mail-router.js';
import { type MailSessionRecord, sampled } from './access-log.js';
import { type BackendLoginOutcome, loginName, loginThroughBackend } from './backend-login.js';
import { type Splice, splice } from './splice.js';

/** Where a session is; commands are only read in PreAuth and Continuation. */
export const SessionState = {
  /** lvs7 answers the client's commands itself. */
  PreAuth: 'pre-auth',
  /** Waiting for the client's SASL response line (AUTHENTICATE / AUTH without an initial response). */
  Continuation: 'continuation',
  /** Routing the user and logging in at the backend. */
  LoggingIn: 'logging-in',
  /** Spliced to the backend; lvs7 no longer parses anything. */
  Proxying: 'proxying',
  Closed: 'closed',
} as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

/** What a listener gives each of its sessions. */
export interface SessionContext {
  readonly options: ResolvedMailListenerOptions;
  readonly router: MailRouter;
  readonly penalty: AuthPenalty;
  readonly secureContext: tls.SecureContext | undefined;
  readonly logger: Logger | undefined;
  /** Called once when the session has ended (both sockets closed). */
  readonly onEnd: (session: MailSession) => void;
}

/** next() returns this when it needs more bytes from the client. */
export const WAIT = Symbol('wait');
export type StepResult = typeof WAIT | undefined | Promise<void>;

let nextId = 0;

/**
 * One client connection of a POP3 or IMAP listener: the protocol-neutral
 * part (framing, limits, STARTTLS, login through the backend, splicing).
 * Subclasses parse and answer commands in `next()`.
 */
export abstract class MailSession {
  readonly id = `${process.pid.toString(36)}${(++nextId).toString(36).padStart(6, '0')}`;
  readonly clientAddress: string;
  readonly clientPort: number;
  readonly localAddress: string;
  readonly localPort: number;
  protected readonly ctx: SessionContext;
  protected readonly framer: LineFramer;
  protected readonly logger: Logger | undefined;
  protected socket: net.Socket;
  #secure: boolean;
  #state: SessionState = SessionState.PreAuth;
  #badCommands = 0;
  #pumping = false;
  #paused = false;
  #preAuthTimer: NodeJS.Timeout | undefined;
  #splice: Splice | undefined;
  #ended = false;
  readonly #abort = new AbortController();
  /** For the access log: the TCP socket (wire bytes), start, last login name, outcome. */
  readonly #peer: net.Socket;
  readonly #t0 = performance.now();
  #user: string | undefined;
  #result: MailSessionRecord['result'] = 'no-login';
  #reason: string | undefined;
  /** Set once logged in. */
  mailbox: string | undefined;
  server: Server | undefined;

  /**
   * `peer` is the TCP socket when `socket` is a TLS socket over it (addresses
   * are read from it) unless `ends` gives them: the client and the address it
   * connected to, from a PROXY header.
   */
  constructor(
    socket: net.Socket,
    ctx: SessionContext,
    secure: boolean,
    peer: net.Socket = socket,
    ends?: { readonly client: Endpoint; readonly local: Endpoint },
  ) {
    this.socket = socket;
    this.ctx = ctx;
    this.#secure = secure;
    this.clientAddress = ends?.client.address ?? peer.remoteAddress ?? '';
    this.clientPort = ends?.client.port ?? peer.remotePort ?? 0;
    this.localAddress = ends?.local.address ?? peer.localAddress ?? '';
    this.localPort = ends?.local.port ?? peer.localPort ?? 0;
    this.#peer = peer;
    this.framer = new LineFramer(ctx.options.limits.maxLineLength);
    this.logger = ctx.logger?.child({ cid: this.id });
  }

  get state(): SessionState {
    return this.#state;
  }

  get secure(): boolean {
    return this.#secure;
  }

  /** STARTTLS can be offered (a certificate is configured and TLS is not active yet). */
  get tlsAvailable(): boolean {
    return this.ctx.secureContext !== undefined && !this.#secure;
  }

  /** Plaintext logins are refused until STARTTLS when tls.mode is `required`. */
  get loginAllowed(): boolean {
    return this.#secure || this.ctx.options.tls?.mode !== 'required';
  }

  start(): void {
    this.#listen();
    this.#preAuthTimer = setTimeout(
      () => this.fail(new MailError('LVS7_MAIL_PREAUTH_TIMEOUT')),
      this.ctx.options.limits.preAuthTimeout,
    );
    this.write(this.greeting());
  }

  protected abstract greeting(): string;
  /** Reads and handles at most one command (or SASL line) from the framer. */
  protected abstract next(): StepResult;
  protected abstract errorReply(error: MailError, tag: string): string;

  protected setState(state: SessionState): void {
    this.#state = state;
  }

  write(data: string): void {
    if (this.socket.writable) this.socket.write(data);
  }

  /** Replies with the error; closes when the error says so (BYE, timeouts, limits). */
  fail(error: MailError, tag = '*'): void {
    if (this.#state === SessionState.Closed || this.#state === SessionState.Proxying) return;
    this.write(this.errorReply(error, tag));
    if (error.closes) {
      this.#reason ??= error.code;
      this.close();
    }
  }

  /** Replies to an unknown or malformed command; too many of them end the session. */
  badCommand(error: MailError, tag = '*'): void {
    if (++this.#badCommands >= this.ctx.options.limits.maxBadCommands) {
      this.fail(new MailError('LVS7_MAIL_TOO_MANY_BAD_COMMANDS'));
      return;
    }
    this.fail(error, tag);
  }

  /** Closes the client connection once pending replies are flushed. */
  close(): void {
    if (this.#state === SessionState.Closed) return;
    this.#state = SessionState.Closed;
    this.#abort.abort();
    clearTimeout(this.#preAuthTimer);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** Ends the session now (admin move, drain timeout). */
  kick(reason: string): void {
    this.logger?.info({ reason }, 'session kicked');
    this.#reason ??= `kicked: ${reason}`;
    if (this.#splice) this.#splice.destroy();
    else {
      this.close();
      this.socket.destroy();
    }
  }

  /** The listener is closing: sessions not yet logged in are told so and closed. */
  shutdown(): void {
    if (this.#state !== SessionState.Proxying) this.fail(new MailError('LVS7_MAIL_SHUTTING_DOWN'));
  }

  /** Switches the client connection to TLS (after the STARTTLS/STLS reply was written). */
  upgradeTls(): void {
    const context = this.ctx.secureContext;
    if (context === undefined) return;
    this.#unlisten(false); // the TLS socket takes over reading from the raw one
    this.framer.drain(); // plaintext pipelined after STARTTLS must not be trusted (CVE-2011-0411)
    this.socket = new tls.TLSSocket(this.socket, { isServer: true, secureContext: context });
    this.#secure = true;
    this.#listen();
  }

  /** Routes the user, logs in at the backend, relays its reply; splices on success. */
  async login(credentials: Credentials, tag: string): Promise<void> {
    const user = loginName(credentials);
    this.#user = user;
    this.setState(SessionState.LoggingIn);
    let outcome: BackendLoginOutcome;
    try {
      outcome = await loginThroughBackend(
        this.ctx.options,
        this.ctx.router,
        {
          credentials,
          tag,
          client: this.clientInfo(),
          signal: this.#abort.signal,
        },
        this.logger,
      );
    } catch (error) {
      const mailError = asMailError(error);
      this.logger?.info({ user, code: mailError.code, reason: mailError.message }, 'login failed');
      this.#loginFailed(mailError.code);
      if (mailError instanceof AuthFailedError) await this.#delayFailure(user);
      this.#afterLoginAttempt(this.errorReply(mailError, tag));
      return;
    }
    if (!outcome.ok) {
      this.logger?.info({ user, code: 'backend-refused' }, 'login failed');
      this.#loginFailed('backend-refused');
      await this.#delayFailure(user);
      this.#afterLoginAttempt(outcome.reply);
      return;
    }
    if (this.#state === SessionState.Closed) {
      outcome.connection.destroy();
      return;
    }
    this.ctx.penalty.succeeded(user);
    this.#result = 'proxied';
    this.#reason = undefined;
    this.#proxy(outcome);
  }

  /** Who the client is, for the backend. */
  protected clientInfo(): ClientInfo {
    return {
      address: this.clientAddress,
      port: this.clientPort,
      localAddress: this.localAddress,
      localPort: this.localPort,
      sessionId: this.id,
    };
  }

  #loginFailed(code: string): void {
    this.#result = 'login-failed';
    this.#reason = code;
  }

  #afterLoginAttempt(reply: string): void {
    if (this.#state === SessionState.Closed) return;
    this.setState(SessionState.PreAuth);
    this.write(reply);
  }

  async #delayFailure(user: string): Promise<void> {
    const delay = this.ctx.penalty.failed(this.clientAddress, user);
    if (delay <= 0) return;
    await sleep(delay, undefined, { signal: this.#abort.signal }).catch(() => {});
  }

  #proxy(outcome: Extract<BackendLoginOutcome, { ok: true }>): void {
    const { placement } = outcome;
    const server = placement.server;
    clearTimeout(this.#preAuthTimer);
    this.#unlisten();
    const { socket: backend, leftover } = outcome.connection.detach();
    this.write(outcome.reply);
    this.mailbox = placement.mailbox;
    this.server = server;
    // The pool of this login, even if the listener is reconfigured meanwhile.
    const pool = this.ctx.router.pool;
    pool.sessionStarted(server);
    const detach = this.ctx.router.attach({ mailbox: placement.mailbox, server, kick: (r) => this.kick(r) });
    this.setState(SessionState.Proxying);
    this.logger?.info(
      { mailbox: placement.mailbox, server: server.name, reason: placement.reason },
      'proxying',
    );
    this.#splice = splice({
      client: this.socket,
      backend,
      clientLeftover: this.framer.drain(),
      backendLeftover: leftover,
      onClose: (by) => {
        pool.sessionEnded(server);
        detach();
        this.logger?.debug({ by }, 'session closed');
        this.#reason ??= `closed by ${by}`;
        this.#end();
      },
    });
  }

  readonly #onData = (chunk: Buffer) => {
    this.framer.push(chunk);
    if (this.framer.buffered > this.framer.maxLineLength * 2 + 65_536 && !this.#paused) {
      this.#paused = true;
      this.socket.pause();
    }
    void this.#pump();
  };
  readonly #onClose = () => {
    this.#state = SessionState.Closed;
    this.#abort.abort();
    clearTimeout(this.#preAuthTimer);
    this.#end();
  };
  readonly #onError = (error: Error) => {
    this.logger?.debug({ err: error.message }, 'client connection error');
    this.socket.destroy();
  };

  #listen(): void {
    this.socket.on('data', this.#onData);
    this.socket.on('close', this.#onClose);
    this.socket.on('error', this.#onError);
  }

  #unlisten(pause = true): void {
    if (pause) this.socket.pause();
    this.socket.off('data', this.#onData);
    this.socket.off('close', this.#onClose);
    this.socket.off('error', this.#onError);
  }

  #readable(): boolean {
    return this.#state === SessionState.PreAuth || this.#state === SessionState.Continuation;
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#readable()) {
        const result = this.next();
        if (result === WAIT) break;
        if (result !== undefined) await result;
      }
    } catch (error) {
      this.logger?.error({ err: error }, 'session failed');
      this.socket.destroy();
    } finally {
      this.#pumping = false;
      if (this.#paused && this.#readable()) {
        this.#paused = false;
        this.socket.resume();
      }
    }
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#state = SessionState.Closed;
    if (sampled(this.ctx.options.accessLogEvery)) this.logger?.info(this.accessRecord(), 'mail session');
    this.ctx.onEnd(this);
  }

  /** The session's access log line (see MailSessionRecord): never the password. */
  accessRecord(): MailSessionRecord {
    const peer = this.#peer;
    return {
      session: this.id,
      client: this.clientAddress,
      user: this.#user ?? null,
      mailbox: this.mailbox ?? null,
      server: this.server?.name ?? null,
      result: this.#result,
      reason: this.#reason ?? (this.#result === 'no-login' ? 'closed by client' : 'closed'),
      bytesIn: peer.bytesRead,
      bytesOut: peer.bytesWritten,
      durationMs: Math.round(performance.now() - this.#t0),
      tls: this.#secure,
    };
  }
}
