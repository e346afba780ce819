import { connect, type Socket } from 'node:net';
import type { Server } from '@lvs7/core';
import { UpstreamError } from '../errors.js';
import { ChunkedParser, type ChunkSink } from '../http1/chunked.js';
import {
  BODY_CHUNKED,
  BODY_LENGTH,
  BODY_NONE,
  BODY_UNTIL_CLOSE,
  type BodyFraming,
} from '../http1/request-head.js';
import { parseResponseHead, ResponseHead } from '../http1/response-head.js';

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
const HEAD = 1;
const BODY = 2;
const DONE = 3;
const TUNNEL = 4;

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

/** Trailer section of a decoded (HTTP/1.0 client) chunked body is bounded like a head. */
const MAX_TRAILER = 65_536;

/**
 * One keep-alive TCP connection to a server speaking HTTP/1.1: writes the
 * heads it is given and parses responses incrementally, forwarding body
 * bytes as they come. Socket listeners are bound once per connection; each
 * exchange just sets `handler`.
 */
export class UpstreamConnection implements ChunkSink {
  readonly socket: Socket;
  readonly server: Server;
  readonly #owner: UpstreamOwner;
  handler: UpstreamHandler | null;
  /** Requests sent on this connection (1 on first use). */
  uses = 0;
  /** When it went idle (performance.now()), for the idle sweep. */
  idleSince = 0;
  #phase = CONNECTING;
  #buf: Buffer | null = null;
  #framing: BodyFraming = BODY_NONE;
  #remaining = 0;
  #chunked: ChunkedParser | null = null;
  #keepAlive = false;
  #bodiless = false;
  #upgrade = false;
  #decode = false;
  #timeoutMs = 0;
  #error: Error | null = null;
  /** Bytes of the current response seen: a failure after that is not "before the response". */
  #responded = false;
  #readBuffer: Buffer | null = null;
  /** A slice of the last read outlives the read (a pending client write): read into a fresh buffer next. */
  #lent = false;
  #tunnelTo: Socket | null = null;

  constructor(server: Server, owner: UpstreamOwner, handler: UpstreamHandler, connectTimeout: number) {
    this.server = server;
    this.#owner = owner;
    this.handler = handler;
    // highWaterMark is a Duplex option net.connect passes on (missing from NetConnectOpts' types).
    const options = {
      host: server.host,
      port: server.port,
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
    return this.#phase !== CONNECTING && !this.socket.destroyed;
  }

  setTimeout(ms: number): void {
    if (ms !== this.#timeoutMs) {
      this.#timeoutMs = ms;
      this.socket.setTimeout(ms);
    }
  }

  /**
   * Prepares to parse the response to a request about to be written:
   * `bodiless` for HEAD, `upgrade` if a 101 is acceptable, `decode` to turn
   * a chunked body into plain bytes (HTTP/1.0 client).
   */
  expect(bodiless: boolean, upgrade: boolean, decode: boolean): void {
    this.uses++;
    this.#phase = HEAD;
    this.#bodiless = bodiless;
    this.#upgrade = upgrade;
    this.#decode = decode;
    this.#responded = false;
    this.#buf = null;
  }

  write(data: Buffer | string): boolean {
    return typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data);
  }

  /** Closes the connection without telling the handler. */
  destroy(): void {
    this.handler = null;
    this.#phase = DONE;
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

  onChunkData(buf: Buffer, start: number, end: number): void {
    if (end > start) this.handler?.onUpstreamBody(buf.subarray(start, end));
  }

  readonly #onConnect = (): void => {
    this.#phase = DONE;
    this.handler?.onUpstreamReady(this);
  };

  readonly #onData = (chunk: Buffer): void => {
    const handler = this.handler;
    if (handler === null) {
      // Unsolicited bytes on an idle connection (e.g. a 408): never reuse it.
      this.destroy();
      return;
    }
    if (this.#phase === DONE) {
      this.#fail(new UpstreamError('LVS7_HTTP_BAD_RESPONSE', 'invalid-response', 'bytes before the request'));
      return;
    }
    this.#responded = true;
    if (this.#phase === BODY) {
      this.#body(handler, chunk, 0);
      if (this.handler === handler) handler.onUpstreamFlush();
      return;
    }
    let buf = chunk;
    if (this.#buf !== null) {
      buf = Buffer.concat([this.#buf, chunk]);
      this.#buf = null;
    }
    let pos = 0;
    for (;;) {
      const head = new ResponseHead();
      let end: number;
      try {
        end = parseResponseHead(buf, pos, this.#bodiless, head);
      } catch (error) {
        this.#fail(error as UpstreamError);
        return;
      }
      if (end < 0) {
        // Kept across reads, so never a view of the read buffer.
        this.#buf = buf === chunk ? Buffer.from(buf.subarray(pos)) : buf.subarray(pos);
        return;
      }
      pos = end;
      const status = head.status;
      if (status < 200 && status !== 101) {
        handler.onUpstreamInformational(head);
        if (this.handler !== handler) return;
        continue;
      }
      if (status === 101) {
        if (!this.#upgrade) {
          this.#fail(new UpstreamError('LVS7_HTTP_BAD_RESPONSE', 'invalid-response', 'unexpected 101'));
          return;
        }
        this.#phase = TUNNEL;
        this.handler = null;
        this.setTimeout(0);
        handler.onUpstreamUpgrade(head, pos < buf.length ? Buffer.from(buf.subarray(pos)) : null);
        return;
      }
      this.#phase = BODY;
      this.#framing = head.framing;
      this.#remaining = head.contentLength;
      this.#keepAlive = head.keepAlive;
      this.#chunked =
        head.framing === BODY_CHUNKED ? new ChunkedParser(MAX_TRAILER, this.#decode ? this : null) : null;
      handler.onUpstreamHead(head);
      if (this.handler !== handler) return;
      if (head.framing === BODY_NONE) this.#complete(handler, pos === buf.length);
      else {
        if (pos < buf.length) this.#body(handler, buf, pos);
        if (this.handler === handler) handler.onUpstreamFlush();
      }
      return;
    }
  };

  #body(handler: UpstreamHandler, buf: Buffer, pos: number): void {
    const avail = buf.length - pos;
    switch (this.#framing) {
      case BODY_LENGTH: {
        const remaining = this.#remaining;
        if (avail < remaining) {
          this.#remaining = remaining - avail;
          handler.onUpstreamBody(pos === 0 ? buf : buf.subarray(pos));
          return;
        }
        this.#remaining = 0;
        handler.onUpstreamBody(pos === 0 && avail === remaining ? buf : buf.subarray(pos, pos + remaining));
        if (this.handler === handler) this.#complete(handler, avail === remaining);
        return;
      }
      case BODY_CHUNKED: {
        let end: number;
        try {
          end = this.#chunked!.feed(buf, pos);
        } catch (error) {
          this.#fail(
            new UpstreamError('LVS7_HTTP_BAD_RESPONSE', 'invalid-response', (error as Error).message),
          );
          return;
        }
        if (!this.#decode) {
          const stop = end < 0 ? buf.length : end;
          if (stop > pos)
            handler.onUpstreamBody(pos === 0 && stop === buf.length ? buf : buf.subarray(pos, stop));
        }
        if (end >= 0 && this.handler === handler) this.#complete(handler, end === buf.length);
        return;
      }
      case BODY_UNTIL_CLOSE:
        handler.onUpstreamBody(pos === 0 ? buf : buf.subarray(pos));
        return;
    }
  }

  #complete(handler: UpstreamHandler, clean: boolean): void {
    this.#phase = DONE;
    this.#chunked = null;
    this.handler = null;
    handler.onUpstreamEnd(clean && this.#keepAlive && this.#framing !== BODY_UNTIL_CLOSE);
  }

  #fail(error: UpstreamError): void {
    const handler = this.handler;
    this.destroy();
    handler?.onUpstreamError(error);
  }

  readonly #onEnd = (): void => {
    const handler = this.handler;
    if (handler !== null && this.#phase === BODY && this.#framing === BODY_UNTIL_CLOSE) {
      this.#keepAlive = false;
      this.#complete(handler, false);
    }
  };

  readonly #onError = (error: Error): void => {
    this.#error = error;
  };

  readonly #onClose = (): void => {
    const handler = this.handler;
    const phase = this.#phase;
    this.handler = null;
    this.#phase = DONE;
    this.#owner.onConnectionClosed(this);
    if (handler === null) return;
    const cause = this.#error ?? undefined;
    if (phase === CONNECTING) {
      handler.onUpstreamError(
        new UpstreamError('LVS7_HTTP_CONNECT_FAILED', 'connect-failure', 'cannot connect to server', {
          cause,
        }),
      );
    } else {
      // Once a response byte came, the request ran: a truncated response is a bad response, not a retryable reset.
      handler.onUpstreamError(
        this.#responded
          ? new UpstreamError('LVS7_HTTP_BAD_RESPONSE', 'invalid-response', 'server closed mid-response', {
              cause,
            })
          : new UpstreamError('LVS7_HTTP_UPSTREAM_RESET', 'reset', 'server closed the connection', { cause }),
      );
    }
  };

  readonly #onTimeout = (): void => {
    const handler = this.handler;
    if (handler === null || this.#phase === DONE) {
      this.destroy();
      return;
    }
    const error =
      this.#phase === CONNECTING
        ? new UpstreamError('LVS7_HTTP_CONNECT_FAILED', 'connect-failure', 'connect timeout')
        : new UpstreamError('LVS7_HTTP_UPSTREAM_TIMEOUT', 'timeout', 'server timeout');
    this.destroy();
    handler.onUpstreamError(error);
  };

  readonly #onDrain = (): void => {
    this.handler?.onUpstreamDrain();
  };

  /** Whether the server sent any byte of the current response. */
  get responded(): boolean {
    return this.#responded;
  }

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
    this.#phase = TUNNEL;
    this.#tunnelTo = client;
    return s;
  }
}
