import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { type Preamble, preambleBytes } from '@lvs7/core';
import { BackendError } from '../errors.js';
import { LINE_TOO_LONG, LineFramer } from '../protocol/line-framer.js';
import { SPLICE_BUFFER } from '../session/splice.js';

export interface BackendConnectOptions {
  /** The server's name (messages, TLS servername). */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (IMAPS / POP3S). */
  readonly implicitTls: boolean;
  readonly verify: boolean;
  /** PEM text or path. */
  readonly ca?: string | undefined;
  readonly connectTimeout: number;
  readonly replyTimeout: number;
  /** Written before anything else (PROXY protocol). */
  readonly preamble?: Preamble | undefined;
  readonly signal?: AbortSignal | undefined;
}

const MAX_BACKEND_LINE = 64 * 1024;
const caCache = new Map<string, string>();

function pemText(value: string): string {
  if (value.includes('-----BEGIN')) return value;
  let text = caCache.get(value);
  if (text === undefined) caCache.set(value, (text = readFileSync(value, 'utf8')));
  return text;
}

function tlsOptions(options: BackendConnectOptions): tls.ConnectionOptions {
  return {
    servername: net.isIP(options.name) ? undefined : options.name,
    rejectUnauthorized: options.verify,
    ...(options.ca === undefined ? {} : { ca: pemText(options.ca) }),
  } as tls.ConnectionOptions;
}

/**
 * lvs7's side of one backend connection during login: reads reply lines with
 * a timeout, writes commands, upgrades to TLS (STARTTLS), then hands the
 * socket over for splicing (`detach`). Failures are BackendErrors.
 */
export class BackendConnection {
  readonly options: BackendConnectOptions;
  #socket: net.Socket;
  readonly #framer = new LineFramer(MAX_BACKEND_LINE);
  #waiter: { resolve: (line: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  #failure: Error | undefined;
  #out: Buffer[] = [];
  readonly #onData = (chunk: Buffer) => {
    this.#framer.push(chunk);
    this.#deliver();
  };
  readonly #onEnd = () => this.#fail(new BackendError(this.options.name, 'closed the connection', false));
  readonly #onError = (error: Error) =>
    this.#fail(new BackendError(this.options.name, error.message, false, { cause: error }));

  private constructor(options: BackendConnectOptions, socket: net.Socket) {
    this.options = options;
    this.#socket = socket;
    this.#listen();
  }

  /** Connects (and for implicit TLS, handshakes); rejects with a BackendError marked connectFailed. */
  static connect(options: BackendConnectOptions): Promise<BackendConnection> {
    return new Promise((resolve, reject) => {
      // highWaterMark is accepted since Node 18.17 but missing from @types/node 20's NetConnectOpts.
      const raw = net.connect({
        host: options.host,
        port: options.port,
        noDelay: true,
        highWaterMark: SPLICE_BUFFER,
      } as net.NetConnectOpts);
      let socket: net.Socket = raw;
      const fail = (reason: string, cause?: unknown) => {
        cleanup();
        raw.destroy();
        socket.destroy();
        reject(new BackendError(options.name, reason, true, { cause }));
      };
      const timer = setTimeout(() => fail('connect timeout'), options.connectTimeout);
      const onAbort = () => fail('aborted');
      const onError = (error: Error) =>
        fail(`connect failed: ${(error as { code?: string }).code ?? error.message}`, error);
      const cleanup = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        raw.off('error', onError);
        socket.off('error', onError);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      raw.once('error', onError);
      raw.once('connect', () => {
        if (options.preamble) raw.write(preambleBytes(options.preamble, raw));
        if (!options.implicitTls) {
          cleanup();
          resolve(new BackendConnection(options, raw));
          return;
        }
        socket = tls.connect({ socket: raw, ...tlsOptions(options) });
        socket.once('error', onError);
        socket.once('secureConnect', () => {
          cleanup();
          resolve(new BackendConnection(options, socket));
        });
      });
    });
  }

  get socket(): net.Socket {
    return this.#socket;
  }

  /** The next reply line (without CRLF). */
  readLine(): Promise<string> {
    this.#flush();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.#fail(new BackendError(this.options.name, 'reply timeout', false)),
        this.options.replyTimeout,
      );
      this.#waiter = { resolve, reject, timer };
      this.#deliver();
      // Lines already received are delivered even after the backend closed.
      if (this.#waiter !== undefined && this.#failure !== undefined) this.#fail(this.#failure);
    });
  }

  /** Queues a command; everything queued goes out in one write when the next reply is awaited. */
  write(data: string | Buffer): void {
    this.#out.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  #flush(): void {
    if (this.#out.length === 0) return;
    const data = this.#out.length === 1 ? this.#out[0]! : Buffer.concat(this.#out);
    this.#out = [];
    this.#socket.write(data);
  }

  /** Upgrades the connection to TLS after the backend agreed to STARTTLS/STLS. */
  async startTls(): Promise<void> {
    this.#unlisten();
    this.#framer.drain(); // nothing sent before the handshake may be trusted
    const raw = this.#socket;
    const secure = tls.connect({ socket: raw, ...tlsOptions(this.options) });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new BackendError(this.options.name, 'TLS timeout', false)),
        this.options.connectTimeout,
      );
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        resolve();
      });
      secure.once('error', (error) => {
        clearTimeout(timer);
        reject(new BackendError(this.options.name, `TLS failed: ${error.message}`, false, { cause: error }));
      });
    });
    this.#socket = secure;
    this.#listen();
  }

  /** Stops reading and hands over the socket and whatever the backend sent past the login reply. */
  detach(): { socket: net.Socket; leftover: Buffer } {
    this.#flush();
    this.#unlisten();
    return { socket: this.#socket, leftover: this.#framer.drain() };
  }

  destroy(): void {
    this.#unlisten();
    this.#socket.on('error', () => {});
    this.#socket.destroy();
    if (this.#waiter) this.#fail(new BackendError(this.options.name, 'closed by lvs7', false));
  }

  #listen(): void {
    this.#socket.on('data', this.#onData);
    this.#socket.on('end', this.#onEnd);
    this.#socket.on('close', this.#onEnd);
    this.#socket.on('error', this.#onError);
    this.#socket.resume();
  }

  #unlisten(): void {
    this.#socket.pause();
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('close', this.#onEnd);
    this.#socket.off('error', this.#onError);
  }

  #deliver(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    const line = this.#framer.nextLine();
    if (line === undefined) return;
    if (line === LINE_TOO_LONG) {
      this.#fail(new BackendError(this.options.name, 'reply line too long', false));
      return;
    }
    this.#waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.resolve(line.toString('latin1'));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }
}
