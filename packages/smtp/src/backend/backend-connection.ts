import net from 'node:net';
import { type Preamble, preambleBytes } from '@lvs7/core';
import { BackendError, type BackendFailure } from '../errors.js';
import { describeReply, isPositive, type SmtpReply } from '../reply.js';
import { ReplyParser, ReplySyntaxError } from './reply-parser.js';

export type BackendProtocol = 'smtp' | 'lmtp';

/** Where to connect: a core Server fits. */
export interface BackendTarget {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

export interface BackendConnectOptions {
  readonly protocol: BackendProtocol;
  /** Our name in EHLO / LHLO. */
  readonly helo: string;
  /** TCP connect, and then the greeting. */
  readonly connectTimeout: number;
  /** Each reply to a command. */
  readonly replyTimeout: number;
  /** Bytes sent before the greeting is read: a PROXY protocol header. */
  readonly preamble?: Preamble | undefined;
}

interface Waiter {
  readonly resolve: (reply: SmtpReply) => void;
  readonly reject: (error: BackendError) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A lean SMTP/LMTP client for one backend connection: greeting, EHLO/LHLO,
 * pipelined commands, raw message bytes, and as many final replies as the
 * caller expects (LMTP answers the final dot once per recipient). Replies
 * are matched to commands in order. Any failure breaks the connection for
 * good: pending and later calls reject with the same BackendError.
 */
export class BackendConnection {
  readonly target: BackendTarget;
  readonly protocol: BackendProtocol;
  readonly options: BackendConnectOptions;
  /** EHLO/LHLO keywords (upper case) → their parameters, from the last EHLO/LHLO. */
  capabilities: ReadonlyMap<string, string> = new Map();
  /**
   * What the backend offered lvs7 itself, in the first EHLO/LHLO. After
   * XCLIENT the backend answers as it would the client (Postfix then drops
   * XCLIENT from its EHLO unless the client's address is authorized too).
   */
  firstCapabilities: ReadonlyMap<string, string> = new Map();
  /** The client this connection was last introduced as with XCLIENT (see ConnectionCache.acquire). */
  clientKey: string | undefined;
  /** Called once when the connection breaks (the backend closed, reset, timed out or misbehaved). */
  onBroken: ((error: BackendError) => void) | undefined;
  readonly #socket: net.Socket;
  readonly #parser = new ReplyParser();
  readonly #waiters: Waiter[] = [];
  #broken: BackendError | undefined;

  private constructor(target: BackendTarget, options: BackendConnectOptions, socket: net.Socket) {
    this.target = target;
    this.protocol = options.protocol;
    this.options = options;
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => this.#fail('closed', error.message, undefined, error));
    socket.on('close', () => this.#fail('closed', 'connection closed'));
  }

  /** Connects, reads the greeting and says EHLO (LHLO); rejects with a BackendError. */
  static async open(target: BackendTarget, options: BackendConnectOptions): Promise<BackendConnection> {
    const socket = await connect(target, options.connectTimeout);
    const connection = new BackendConnection(target, options, socket);
    try {
      if (options.preamble !== undefined) socket.write(preambleBytes(options.preamble, socket));
      // A server that accepts but does not greet within the connect timeout is as good as down.
      const greeting = await connection.#expect(options.connectTimeout);
      if (greeting.code !== 220) throw connection.#refused('greeting', greeting);
      await connection.hello();
      connection.firstCapabilities = connection.capabilities;
      return connection;
    } catch (error) {
      connection.destroy();
      throw error;
    }
  }

  get broken(): boolean {
    return this.#broken !== undefined;
  }

  get supportsPipelining(): boolean {
    return this.capabilities.has('PIPELINING');
  }

  /**
   * EHLO (LHLO); again after XCLIENT, then with the client's own name, as
   * the name given last is the one the backend records. An SMTP server
   * refusing EHLO gets HELO (no extensions).
   */
  async hello(name = this.options.helo): Promise<void> {
    const verb = this.protocol === 'lmtp' ? 'LHLO' : 'EHLO';
    let [r] = await this.send([`${verb} ${name}`]);
    if (r!.code >= 500 && this.protocol === 'smtp') [r] = await this.send([`HELO ${name}`]);
    if (!isPositive(r!)) throw this.#refused(verb, r!);
    const caps = new Map<string, string>();
    for (const line of r!.lines.slice(1)) {
      const space = line.indexOf(' ');
      caps.set(
        (space < 0 ? line : line.slice(0, space)).toUpperCase(),
        space < 0 ? '' : line.slice(space + 1),
      );
    }
    this.capabilities = caps;
  }

  /**
   * Sends commands and resolves with their replies in order: in one write
   * when the backend offers PIPELINING, else one at a time, stopping at the
   * first refusal (the replies array is then shorter than `lines`).
   */
  async send(lines: readonly string[], timeout = this.options.replyTimeout): Promise<SmtpReply[]> {
    this.#throwIfBroken();
    if (lines.length > 1 && this.supportsPipelining) {
      const pending = lines.map(() => this.#expect(timeout));
      this.#socket.write(lines.join('\r\n') + '\r\n');
      return Promise.all(pending);
    }
    const replies: SmtpReply[] = [];
    for (const line of lines) {
      const pending = this.#expect(timeout);
      this.#socket.write(line + '\r\n');
      const r = await pending;
      replies.push(r);
      if (r.code >= 400) break;
    }
    return replies;
  }

  /** Message bytes, as the client sent them; false asks the caller to wait for onDrain. */
  write(chunk: Buffer): boolean {
    if (this.#broken !== undefined) return true;
    return this.#socket.write(chunk);
  }

  onDrain(callback: () => void): void {
    this.#socket.once('drain', callback);
  }

  /**
   * Promises `count` replies (the final dot's verdicts); call before writing
   * the bytes that end the message, so no reply arrives unexpected.
   */
  expectReplies(count: number, timeout: number): Promise<SmtpReply[]> {
    this.#throwIfBroken();
    return Promise.all(Array.from({ length: count }, () => this.#expect(timeout)));
  }

  /** Ends an unfinished transaction (RSET); false when the backend refused or broke. */
  async reset(): Promise<boolean> {
    try {
      const [r] = await this.send(['RSET']);
      return r !== undefined && isPositive(r);
    } catch {
      return false;
    }
  }

  /** Says QUIT and closes without waiting for the reply. */
  quit(): void {
    if (this.#broken === undefined && this.#socket.writable) this.#socket.end('QUIT\r\n');
    this.#broken ??= new BackendError('closed', this.target.name, 'closed by us');
    this.#rejectAll(this.#broken);
    // The backend closes after 221; a silent one is cut off shortly after.
    setTimeout(() => this.#socket.destroy(), 2000).unref();
  }

  /** Closes at once: a message in flight is never completed (no final dot reaches the backend). */
  destroy(): void {
    this.#broken ??= new BackendError('closed', this.target.name, 'closed by us');
    this.#rejectAll(this.#broken);
    this.#socket.destroy();
  }

  #expect(timeout: number): Promise<SmtpReply> {
    return new Promise((resolve, reject) => {
      if (this.#broken !== undefined) return reject(this.#broken);
      const timer = setTimeout(() => this.#fail('timeout', `no reply within ${timeout} ms`), timeout);
      this.#waiters.push({ resolve, reject, timer });
    });
  }

  #onData(chunk: Buffer): void {
    let replies: SmtpReply[];
    try {
      replies = this.#parser.push(chunk);
    } catch (error) {
      if (!(error instanceof ReplySyntaxError)) throw error;
      this.#fail('protocol', error.message);
      return;
    }
    for (const r of replies) {
      const waiter = this.#waiters.shift();
      if (waiter === undefined) {
        this.#fail('protocol', `unexpected reply: ${describeReply(r)}`, r);
        return;
      }
      clearTimeout(waiter.timer);
      waiter.resolve(r);
    }
  }

  #fail(kind: BackendFailure, message: string, backendReply?: SmtpReply, cause?: unknown): void {
    if (this.#broken !== undefined) return;
    const options = cause === undefined ? undefined : { cause };
    this.#broken = new BackendError(kind, this.target.name, message, backendReply, options);
    this.#rejectAll(this.#broken);
    this.#socket.destroy();
    this.onBroken?.(this.#broken);
  }

  #rejectAll(error: BackendError): void {
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  #throwIfBroken(): void {
    if (this.#broken !== undefined) throw this.#broken;
  }

  #refused(what: string, r: SmtpReply): BackendError {
    return new BackendError('refused', this.target.name, `${what} refused: ${describeReply(r)}`, r);
  }
}

function connect(target: BackendTarget, timeout: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new BackendError('connect', target.name, `connect timed out after ${timeout} ms`));
    }, timeout);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new BackendError('connect', target.name, `connect failed: ${error.message}`, undefined, {
          cause: error,
        }),
      );
    });
  });
}
