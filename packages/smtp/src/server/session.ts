import type net from 'node:net';
import tls from 'node:tls';
import type { Endpoint } from '@lvs7/core';
import type { PathArgument } from '../address.js';
import type { ClientInfo } from '../backend/client-info.js';
import { clientKeyPrefix } from '../backend/open-backend.js';
import { BackendError, replyFor, SmtpError } from '../errors.js';
import { formatReply, reply, type SmtpReply } from '../reply.js';
import { Transaction } from '../transaction.js';
import { type SmtpMessageRecord, type SmtpSessionRecord, sampled } from './access-log.js';
import { COMMANDS } from './commands/index.js';
import { CommandFramer, DataScanner, LINE_TOO_LONG } from './framer.js';
import type { SessionRuntime } from './runtime.js';

/** connected: greeted; ready: after HELO/EHLO; mail: in a transaction; data: receiving a message. */
export type SessionState = 'connected' | 'ready' | 'mail' | 'data' | 'closed';

/** Buffered pipelined input beyond which the client socket is paused until we catch up. */
const MAX_BUFFERED = 64 * 1024;
/** Replies that are not the client's fault and do not count towards maxErrors. */
const NOT_AN_ERROR = new Set(['4.5.3']);
/**
 * Replies after which the client waits for us (greeting, STARTTLS, AUTH
 * challenges, DATA's go-ahead) or we close: written at once. Others wait
 * while the client has more pipelined commands queued, so a pipelined group
 * is answered in one packet (RFC 2920 §3.2).
 */
const FLUSH_NOW = new Set([220, 221, 334, 354, 421]);

type Socket = net.Socket | tls.TLSSocket;

/**
 * One client connection: the framer cuts input, the session guards and
 * dispatches one command at a time (pipelined commands wait in the framer),
 * and every failure becomes a reply. Message bytes bypass the framer and go
 * straight to the transaction's backend.
 */
export class SmtpSession {
  readonly id: string;
  readonly runtime: SessionRuntime;
  readonly client: Endpoint;
  readonly local: Endpoint;
  state: SessionState = 'connected';
  helo: string | undefined;
  esmtp = false;
  secure: boolean;
  /** The SASL login name once AUTH succeeded. */
  user: string | undefined;
  transaction: Transaction | undefined;
  #socket: Socket;
  readonly #framer: CommandFramer;
  readonly #scanner = new DataScanner();
  #busy = false;
  #paused = false;
  #errors = 0;
  #commandsSinceMail = 0;
  #lineWaiter: ((line: Buffer | typeof LINE_TOO_LONG) => void) | undefined;
  #out = '';
  #message: { resolve: (r: SmtpReply) => void; reject: (e: unknown) => void } | undefined;
  /** Access log: whether this session's lines are written, and what they say. */
  readonly #logged: boolean;
  readonly #t0 = performance.now();
  #bytesIn = 0;
  #bytesOut = 0;
  #messages = 0;
  #reason: string | undefined;
  #ended = false;

  constructor(id: string, socket: Socket, runtime: SessionRuntime, client: Endpoint, local: Endpoint) {
    this.id = id;
    this.runtime = runtime;
    this.client = client;
    this.local = local;
    this.secure = socket instanceof tls.TLSSocket;
    this.#socket = socket;
    this.#framer = new CommandFramer(runtime.options.limits.maxLineLength);
    this.#logged = sampled(runtime.options.accessLogEvery);
    this.#attach(socket);
  }

  /** Sends the greeting and processes `initial` (bytes that came with the PROXY header). */
  start(initial?: Buffer): void {
    this.send(reply(220, undefined, `${this.runtime.options.hostname} ESMTP lvs7`));
    if (initial !== undefined && initial.length > 0) this.#onData(initial);
  }

  get clientInfo(): ClientInfo {
    return {
      address: this.client.address,
      port: this.client.port,
      helo: this.helo,
      proto: this.esmtp ? 'ESMTP' : 'SMTP',
      login: this.user,
    };
  }

  get idle(): boolean {
    return this.transaction === undefined && !this.#busy;
  }

  send(r: SmtpReply): void {
    if (this.state === 'closed') return;
    this.runtime.stats.reply(r.code);
    if ((r.code === 421 || r.code === 221) && this.#reason === undefined)
      this.#reason = r.code === 221 ? 'quit' : `421 ${r.enhanced ?? ''} ${r.lines[0] ?? ''}`;
    this.#out += formatReply(r);
    if (FLUSH_NOW.has(r.code) || !this.#framer.hasLine()) this.#flush();
    if (r.code === 421) this.close();
  }

  /** True when the client already sent DATA after the command being handled (so it can go to the backend together). */
  get dataFollows(): boolean {
    return this.#framer.peekVerb() === 'DATA';
  }

  /** Sends a refusal and counts it; too many end the session (421). */
  refuse(r: SmtpReply): void {
    this.send(r);
    if (r.code < 400 || r.code === 421 || NOT_AN_ERROR.has(r.enhanced ?? '')) return;
    if (++this.#errors >= this.runtime.options.limits.maxErrors)
      this.send(new SmtpError('LVS7_SMTP_TOO_MANY_ERRORS').reply);
  }

  /** The reply for any failure (see replyFor); backend trouble is logged, anything unexpected loudly. */
  fail(error: unknown): void {
    if (error instanceof BackendError)
      this.runtime.logger?.info({ cid: this.id, err: error.message }, 'smtp backend');
    else if (!(error instanceof SmtpError))
      this.runtime.logger?.warn({ cid: this.id, err: error }, 'smtp command failed');
    this.refuse(replyFor(error));
  }

  beginTransaction(sender: PathArgument): Transaction {
    const { options, stats, logger } = this.runtime;
    this.transaction = new Transaction(sender, {
      client: this.clientInfo,
      clientEndpoint: this.client,
      localEndpoint: this.local,
      maxMessageSize: options.maxMessageSize,
      stats,
      logger,
      onMessage: this.#logged ? this.#onMessage : undefined,
    });
    this.state = 'mail';
    this.#commandsSinceMail = 0;
    return this.transaction;
  }

  /** Ends the transaction, if any, without a message (RSET, EHLO, QUIT, a lost client). */
  endTransaction(): void {
    this.transaction?.abort();
    this.transaction = undefined;
    if (this.state === 'mail' || this.state === 'data') this.state = 'ready';
  }

  /** The next raw line (an AUTH exchange); never logged. */
  readLine(): Promise<Buffer | typeof LINE_TOO_LONG> {
    return new Promise((resolve) => {
      this.#lineWaiter = resolve;
      queueMicrotask(() => this.#pump());
    });
  }

  /** Streams the message to the transaction's backend; resolves with the verdict for the final dot. */
  receiveMessage(transaction: Transaction): Promise<SmtpReply> {
    return new Promise((resolve, reject) => {
      this.#message = { resolve, reject };
      this.state = 'data';
      this.#scanner.reset();
      this.#socket.setTimeout(this.runtime.options.limits.dataTimeout);
      const rest = this.#framer.takeRest();
      if (rest !== undefined) this.#messageBytes(rest, transaction);
    });
  }

  /** Upgrades to TLS after `220 Ready`; everything the client said before is forgotten (RFC 3207 §4.2). */
  async startTls(context: tls.SecureContext): Promise<void> {
    const raw = this.#socket;
    this.#framer.clear();
    raw.removeAllListeners('data');
    raw.removeAllListeners('timeout');
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
    this.#socket = secure;
    await new Promise<void>((resolve, reject) => {
      secure.once('secure', resolve);
      secure.once('error', reject);
      secure.setTimeout(this.runtime.options.limits.commandTimeout, () =>
        reject(new Error('TLS handshake timed out')),
      );
    });
    this.#attach(secure);
    this.secure = true;
    this.helo = undefined;
    this.esmtp = false;
    this.user = undefined;
    this.state = 'connected';
  }

  close(): void {
    if (this.state === 'closed') return;
    this.#flush();
    this.state = 'closed';
    this.endTransaction();
    this.#message?.reject(new SmtpError('LVS7_SMTP_SHUTTING_DOWN'));
    for (const route of this.runtime.routes) route.connections.forget(clientKeyPrefix(this.client));
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), 2000).unref();
  }

  #flush(): void {
    if (this.#out === '') return;
    if (this.#logged) this.#bytesOut += Buffer.byteLength(this.#out);
    this.#socket.write(this.#out);
    this.#out = '';
  }

  #attach(socket: Socket): void {
    socket.removeAllListeners('error');
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => {
      this.close();
      this.#closed();
    });
    socket.on('timeout', () => this.#onTimeout());
    socket.setTimeout(this.runtime.options.limits.commandTimeout);
  }

  /**
   * The client was silent too long. Not while we work for it (a backend or
   * the directory answering; their own timeouts bound that): our reply
   * re-arms the timer.
   */
  #onTimeout(): void {
    if (this.#busy && this.#lineWaiter === undefined && this.state !== 'data') return;
    this.send(new SmtpError('LVS7_SMTP_TIMEOUT').reply);
  }

  #onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.#bytesIn += chunk.length;
    if (this.state === 'data' && this.transaction !== undefined) {
      this.#messageBytes(chunk, this.transaction);
      return;
    }
    this.#framer.push(chunk);
    this.#pump();
  }

  #messageBytes(chunk: Buffer, tx: Transaction): void {
    const end = this.#scanner.feed(chunk);
    if (end < 0) {
      if (!tx.write(chunk)) this.#pauseUntil((resume) => tx.onDrain(resume));
      return;
    }
    this.state = 'mail';
    this.#socket.setTimeout(this.runtime.options.limits.commandTimeout);
    if (end < chunk.length) this.#framer.push(chunk.subarray(end));
    const message = this.#message!;
    this.#message = undefined;
    tx.endData(chunk.subarray(0, end)).then(message.resolve, message.reject);
  }

  readonly #onMessage = (record: Omit<SmtpMessageRecord, 'session'>): void => {
    this.#messages++;
    this.runtime.logger?.info(
      { listener: this.runtime.options.name, session: this.id, ...record },
      'smtp message',
    );
  };

  /** The client connection is gone: the session's access log line, once. */
  #closed(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#logged)
      this.runtime.logger?.info(
        { listener: this.runtime.options.name, ...this.accessRecord() },
        'smtp session',
      );
  }

  /** This session so far, as its access log line says it (never a password). */
  accessRecord(): SmtpSessionRecord {
    return {
      session: this.id,
      client: this.client.address,
      helo: this.helo ?? null,
      user: this.user ?? null,
      messages: this.#messages,
      reason: this.#reason ?? 'closed by client',
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      durationMs: Math.round(performance.now() - this.#t0),
      tls: this.secure,
    };
  }

  #pauseUntil(register: (resume: () => void) => void): void {
    this.#socket.pause();
    register(() => {
      if (this.state !== 'closed') this.#socket.resume();
    });
  }

  #pump(): void {
    while (this.state !== 'closed' && this.state !== 'data') {
      if (this.#busy && this.#lineWaiter === undefined) {
        if (this.#framer.buffered > MAX_BUFFERED && !this.#paused) {
          this.#paused = true;
          this.#socket.pause();
        }
        return;
      }
      const line = this.#framer.nextLine();
      if (line === undefined) break;
      const waiter = this.#lineWaiter;
      if (waiter !== undefined) {
        this.#lineWaiter = undefined;
        waiter(line);
        continue;
      }
      this.#dispatch(line);
    }
    if (!this.#framer.hasLine()) this.#flush();
    if (this.#paused && this.state !== 'data') {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  #dispatch(line: Buffer | typeof LINE_TOO_LONG): void {
    if (line === LINE_TOO_LONG) {
      this.refuse(new SmtpError('LVS7_SMTP_LINE_TOO_LONG').reply);
      return;
    }
    const text = line.toString('utf8');
    const space = text.indexOf(' ');
    const verb = (space < 0 ? text : text.slice(0, space)).toUpperCase();
    const args = space < 0 ? '' : text.slice(space + 1).trim();
    const command = COMMANDS.get(verb);
    if (command === undefined) {
      this.refuse(new SmtpError('LVS7_SMTP_UNKNOWN_COMMAND').reply);
      return;
    }
    const limit = this.runtime.options.limits.maxCommandsBeforeMail;
    if (!command.transaction && limit > 0 && ++this.#commandsSinceMail > limit) {
      this.send(new SmtpError('LVS7_SMTP_TOO_MANY_COMMANDS').reply);
      return;
    }
    if (!command.states.includes(this.state)) {
      this.refuse(reply(503, '5.5.1', command.badSequence));
      return;
    }
    let result: void | Promise<void>;
    try {
      result = command.run(this, args);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (result === undefined) return;
    this.#busy = true;
    result
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.#busy = false;
        if (this.runtime.closing() && this.idle) this.send(new SmtpError('LVS7_SMTP_SHUTTING_DOWN').reply);
        this.#pump();
      });
  }
}
