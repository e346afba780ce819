import { connect, type Socket } from 'node:net';
import type { Server } from '@lvs7/core';
import { UpstreamError } from '../errors.js';
import type { ResponseHead } from '../http1/response-head.js';
import { type ReaderHost, ResponseReader } from './response-reader.js';

/** What an exchange implements to be told about its server connection (no closures per request). */
export interface UpstreamHandler {
  /** A new connection is established: write the request now. */
  onUpstreamReady(conn: UpstreamConnection): void;
  /** 1xx other than 101. */
  onUpstreamInformational(head: ResponseHead): void;
  /** Final response head; the body follows through onUpstreamBody, then onUpstreamEnd. */
  onUpstreamHead(head: ResponseHead): void;
  /** Body bytes as they go to the client (raw chunked framing unless decoding). */
  onUpstreamBody(buf: Buffer): void;
  /** Called after each read that produced a head or body bytes: flush what was held back. */
  onUpstreamFlush(): void;
  /** Response complete; `reusable` when the server may take another request on this connection. */
  onUpstreamEnd(reusable: boolean): void;
  /** 101 to an upgrade request: the connection is now the client's tunnel. */
  onUpstreamUpgrade(head: ResponseHead, rest: Buffer | null): void;
  onUpstreamError(error: UpstreamError): void;
  onUpstreamDrain(): void;
}

export interface UpstreamOwner {
  /** The connection closed (whatever the reason): forget it. */
  onConnectionClosed(conn: UpstreamConnection): void;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
const TUNNEL = 3;

/**
 * Socket buffers of 64 KiB (Node's default is 16 KiB) hold a whole read of
 * the other side, so bulk transfers pause and resume far less often.
 */
export const HIGH_WATER_MARK = 65_536;

/**
 * Responses are read into one buffer per connection, reused read after
 * read while it stays hot in cache (Node's default allocates a fresh 64 KiB
 * buffer per read). 32 KiB: HAProxy's 16 KiB buffers, doubled.
 */
const READ_BUFFER = 32_768;

/**
 * One keep-alive TCP connection to a server speaking HTTP/1.1: writes the
 * heads it is given and parses responses incrementally, forwarding body
 * bytes as they come. Socket listeners are bound once per connection; each
 * exchange just sets `handler`.
 */
export class UpstreamConnection implements ReaderHost {
  readonly socket: Socket;
  readonly server: Server;
  readonly #owner: UpstreamOwner;
  readonly #reader = new ResponseReader(this);
  handler: UpstreamHandler | null;
  /** The PROXY header written first (pool sendProxy): the connection serves only that client. */
  readonly preamble: Buffer | null;
  /** Requests sent on this connection (1 on first use). */
  uses = 0;
  /** When it went idle (performance.now()), for the idle sweep. */
  idleSince = 0;
  #state = CONNECTING;
  #timeoutMs = 0;
  #error: Error | null = null;
  #readBuffer: Buffer | null = null;
  /** A slice of the last read outlives the read (a pending client write): read into a fresh buffer next. */
  #lent = false;
  #tunnelTo: Socket | null = null;

  constructor(
    server: Server,
    owner: UpstreamOwner,
    handler: UpstreamHandler,
    connectTimeout: number,
    preamble: Buffer | null = null,
  ) {
    this.server = server;
    this.#owner = owner;
    this.handler = handler;
    this.preamble = preamble;
    // highWaterMark is a Duplex option net.connect passes on (missing from NetConnectOpts' types).
    const options = {
      host: server.host,
      port: server.port,
      localAddress: server.source,
      noDelay: true,
      highWaterMark: HIGH_WATER_MARK,
      // Node calls `buffer` after every read for the buffer of the next one.
      onread: { buffer: this.#nextReadBuffer, callback: this.#onRead },
    };
    const socket = connect(options);
    this.socket = socket;
    socket.on('connect', this.#onConnect);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('timeout', this.#onTimeout);
    socket.on('drain', this.#onDrain);
    this.setTimeout(connectTimeout);
  }

  /** Connected and idle or busy (not connecting, not closed). */
  get ready(): boolean {
    return this.#state === OPEN && !this.socket.destroyed;
  }

  setTimeout(ms: number): void {
    if (ms !== this.#timeoutMs) {
      this.#timeoutMs = ms;
      this.socket.setTimeout(ms);
    }
  }

  /** A request is about to be written: see ResponseReader.expect. */
  expect(bodiless: boolean, upgrade: boolean, decode: boolean): void {
    this.uses++;
    this.#reader.expect(bodiless, upgrade, decode);
  }

  write(data: Buffer | string): boolean {
    return typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data);
  }

  /** Closes the connection without telling the handler. */
  destroy(): void {
    this.handler = null;
    this.#state = CLOSED;
    this.socket.destroy();
  }

  /**
   * The handler keeps a reference to bytes of the current read beyond this
   * call (e.g. a socket write still pending): the next read must not
   * overwrite them, so it goes into a fresh buffer and this one is left to
   * the writer.
   */
  lend(): void {
    this.#lent = true;
  }

  readonly #nextReadBuffer = (): Buffer => {
    if (this.#readBuffer === null || this.#lent) {
      this.#readBuffer = Buffer.allocUnsafeSlow(READ_BUFFER);
      this.#lent = false;
    }
    return this.#readBuffer;
  };

  /** Returning true keeps reading; pausing is explicit (socket.pause). */
  readonly #onRead = (n: number, buf: Buffer): boolean => {
    const tunnel = this.#tunnelTo;
    if (tunnel === null) this.#onData(buf.subarray(0, n));
    else if (!tunnel.write(Buffer.from(buf.subarray(0, n)))) {
      // Tunnels copy each read (they are not the hot path) and follow pipe's backpressure.
      this.socket.pause();
      tunnel.once('drain', () => this.socket.resume());
    }
    return true;
  };

  readonly #onConnect = (): void => {
    this.#state = OPEN;
    if (this.preamble !== null) this.socket.write(this.preamble);
    this.handler?.onUpstreamReady(this);
  };

  readonly #onData = (chunk: Buffer): void => {
    const handler = this.handler;
    // Unsolicited bytes on an idle connection (e.g. a 408): never reuse it.
    if (handler === null) this.destroy();
    else this.#reader.feed(handler, chunk);
  };

  // ReaderHost: what the response reader reports.
  fail(error: UpstreamError): void {
    const handler = this.handler;
    this.destroy();
    handler?.onUpstreamError(error);
  }

  finished(handler: UpstreamHandler, reusable: boolean): void {
    this.handler = null;
    handler.onUpstreamEnd(reusable);
  }

  upgraded(handler: UpstreamHandler, head: ResponseHead, rest: Buffer | null): void {
    this.handler = null;
    this.setTimeout(0);
    handler.onUpstreamUpgrade(head, rest);
  }

  readonly #onEnd = (): void => {
    const handler = this.handler;
    if (handler !== null) this.#reader.end(handler);
  };

  readonly #onError = (error: Error): void => {
    this.#error = error;
  };

  readonly #onClose = (): void => {
    const handler = this.handler;
    const connecting = this.#state === CONNECTING;
    this.handler = null;
    this.#state = CLOSED;
    this.#owner.onConnectionClosed(this);
    if (handler === null) return;
    const cause = this.#error ?? undefined;
    if (connecting) {
      handler.onUpstreamError(
        new UpstreamError('LVS7_HTTP_CONNECT_FAILED', 'connect-failure', 'cannot connect to server', {
          cause,
        }),
      );
    } else {
      // Once a response byte came, the request ran: a truncated response is a bad response, not a retryable reset.
      handler.onUpstreamError(
        this.#reader.responded
          ? new UpstreamError('LVS7_HTTP_BAD_RESPONSE', 'invalid-response', 'server closed mid-response', {
              cause,
            })
          : new UpstreamError('LVS7_HTTP_UPSTREAM_RESET', 'reset', 'server closed the connection', { cause }),
      );
    }
  };

  readonly #onTimeout = (): void => {
    const handler = this.handler;
    if (handler === null) {
      this.destroy();
      return;
    }
    const error =
      this.#state === CONNECTING
        ? new UpstreamError('LVS7_HTTP_CONNECT_FAILED', 'connect-failure', 'connect timeout')
        : new UpstreamError('LVS7_HTTP_UPSTREAM_TIMEOUT', 'timeout', 'server timeout');
    this.destroy();
    handler.onUpstreamError(error);
  };

  readonly #onDrain = (): void => {
    this.handler?.onUpstreamDrain();
  };

  /**
   * Turns the connection into one side of a tunnel to `client`: what the
   * server sends is written to the client (with backpressure), its end ends
   * the client's side. The caller pipes the other direction.
   */
  pipeTo(client: Socket): Socket {
    const s = this.socket;
    s.off('end', this.#onEnd);
    s.off('timeout', this.#onTimeout);
    s.off('drain', this.#onDrain);
    s.on('end', () => client.end());
    this.handler = null;
    this.#state = TUNNEL;
    this.#tunnelTo = client;
    return s;
  }
}
