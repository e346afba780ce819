import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ClientSide } from './client-side.js';
import { HttpError } from './errors.js';
import { type ClientInfo, normalizeAddress } from './forwarded.js';
import { parseRequestHead, RequestHead } from './http1/request-head.js';
import { connectionEnds, peerAddressOf } from './proxy-protocol.js';
import { ProxyRequest } from './proxy-request.js';
import { localResponse } from './responses.js';
import type { ListenerRuntime } from './runtime.js';
import type { StatsRegistry } from './stats.js';
import type { UpstreamPools } from './upstream/pool.js';

/** What a listener provides to its client connections. */
export interface ListenerCore {
  readonly runtime: ListenerRuntime;
  readonly stats: StatsRegistry;
  readonly upstreams: UpstreamPools;
  readonly logger: Logger;
  readonly closing: boolean;
  connectionClosed(conn: ClientConnection): void;
}

/** Pipelined bytes we hold while an exchange runs before we stop reading. */
const MAX_STASH = 65_536;
/** Up to this body size a response head and its first bytes are copied into one buffer. */
const COALESCE_MAX = 16_384;

/**
 * One client connection speaking HTTP/1.x: parses request heads, runs one
 * exchange at a time (pipelined requests wait in the stash), keeps the
 * connection alive between them, and enforces the client timeouts.
 */
/** While a listener drains, how long a connection that has sent nothing yet may take to send its request. */
const FIRST_REQUEST_GRACE_MS = 500;

export class ClientConnection implements ClientSide {
  readonly socket: Socket;
  readonly info: ClientInfo;
  readonly #core: ListenerCore;
  #buf: Buffer | null = null;
  #request: ProxyRequest | null = null;
  #closing = false;
  #closed = false;
  /** The client half-closed: answer what it sent, then close. */
  #peerEnded = false;
  #paused = false;
  #parsing = false;
  #headTimer: NodeJS.Timeout | null = null;
  /** Requests begun on this connection. */
  #exchanges = 0;
  #graceTimer: NodeJS.Timeout | null = null;

  constructor(socket: Socket, core: ListenerCore, proto: string) {
    this.socket = socket;
    this.#core = core;
    const rt = core.runtime;
    const address = normalizeAddress(peerAddressOf(socket));
    this.info = {
      address,
      trusted: rt.trusted(address),
      proto,
      // Read only for pools with sendProxy.
      get ends() {
        return connectionEnds(socket);
      },
    };
    socket.setNoDelay(true);
    socket.setTimeout(rt.clientIdle);
    socket.on('data', this.#onData);
    socket.on('timeout', this.#onIdle);
    socket.on('drain', this.#onDrain);
    socket.on('error', this.#onError);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
    this.#headTimer = setTimeout(this.#onHeadTimeout, rt.clientHeader);
  }

  get upstreams(): UpstreamPools {
    return this.#core.upstreams;
  }

  get closing(): boolean {
    return this.#closing || this.#peerEnded || this.#core.closing;
  }

  /**
   * Listener draining: close now if idle between requests, else after the
   * current exchange. A connection that has not sent its first request yet
   * gets a moment for it (it may have been accepted just as the listener
   * began to close: a worker of `workers: N` is handed connections until the
   * primary hears it stopped), and is answered once if it comes.
   */
  closeWhenIdle(): void {
    this.#closing = true;
    if (this.#request !== null || this.#closed) return;
    if (this.#exchanges > 0 && this.#buf === null) {
      this.#end();
      return;
    }
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = null;
      if (this.#request === null && !this.#closed) this.#end();
    }, FIRST_REQUEST_GRACE_MS);
  }

  readonly #onData = (chunk: Buffer): void => {
    const req = this.#request;
    if (req !== null) {
      if (req.wantsBody) req.onClientData(chunk);
      else this.stash(chunk);
      return;
    }
    if (this.#closed) return; // lingering close: read and discard
    this.#buf = this.#buf === null ? chunk : Buffer.concat([this.#buf, chunk]);
    this.#parse();
  };

  #parse(): void {
    if (this.#parsing) return;
    this.#parsing = true;
    try {
      while (this.#request === null && this.#buf !== null && !this.#closed) {
        const rt = this.#core.runtime;
        const buf = this.#buf;
        const head = new RequestHead();
        let end: number;
        try {
          end = parseRequestHead(buf, 0, rt.limits, head);
        } catch (error) {
          this.#reject(error);
          return;
        }
        if (end < 0) {
          if (this.#headTimer === null) this.#headTimer = setTimeout(this.#onHeadTimeout, rt.clientHeader);
          return;
        }
        if (this.#headTimer !== null) {
          clearTimeout(this.#headTimer);
          this.#headTimer = null;
        }
        this.#buf = null;
        const request = new ProxyRequest(this, rt, head);
        this.#request = request;
        this.#exchanges++;
        request.start(end < buf.length ? buf.subarray(end) : null);
      }
    } finally {
      this.#parsing = false;
    }
  }

  /** A request we refuse outright: answer and close, it never reaches a server. */
  #reject(error: unknown): void {
    const status = error instanceof HttpError ? error.status : 400;
    const code = error instanceof HttpError ? error.code : 'LVS7_HTTP_BAD_REQUEST_LINE';
    if (!(error instanceof HttpError)) this.#core.logger.debug({ err: error }, 'request parser failure');
    const data = localResponse(status, true);
    this.#core.stats.listener.record(status, 0, this.#buf?.length ?? 0, data.length, 0, code);
    this.#buf = null;
    this.socket.write(data);
    this.#end();
  }

  stash(data: Buffer): void {
    this.#buf = this.#buf === null ? data : Buffer.concat([this.#buf, data]);
    if (this.#buf.length > MAX_STASH) this.pause();
  }

  pause(): void {
    if (!this.#paused) {
      this.#paused = true;
      this.socket.pause();
    }
  }

  resume(): void {
    if (this.#paused) {
      this.#paused = false;
      this.socket.resume();
    }
  }

  write(data: Buffer | string): boolean {
    return typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data);
  }

  get pendingWrites(): boolean {
    return this.socket.writableLength > 0;
  }

  writeHeadAndBody(head: string, body: Buffer): boolean {
    const socket = this.socket;
    // Small bodies: one copy into one buffer beats writev's per-chunk bookkeeping.
    if (body.length <= COALESCE_MAX) {
      const buf = Buffer.allocUnsafe(head.length + body.length);
      buf.write(head, 0, 'latin1');
      body.copy(buf, head.length);
      return socket.write(buf);
    }
    socket.cork();
    socket.write(head, 'latin1');
    const ok = socket.write(body);
    socket.uncork();
    return ok;
  }

  abort(): void {
    this.#closed = true;
    this.socket.destroy();
  }

  detach(): { socket: Socket; rest: Buffer | null } {
    const socket = this.socket;
    socket.off('data', this.#onData);
    socket.off('timeout', this.#onIdle);
    socket.off('drain', this.#onDrain);
    socket.setTimeout(0);
    const rest = this.#buf;
    this.#buf = null;
    this.#closed = true;
    return { socket, rest };
  }

  exchangeDone(request: ProxyRequest, keepAlive: boolean): void {
    if (this.#request !== request) return;
    this.#request = null;
    if (this.#closed) return;
    if (!keepAlive || this.closing) {
      this.#end();
      return;
    }
    this.resume();
    if (this.#buf !== null) this.#parse();
  }

  /** Half-close after what is written; keep reading (and discarding) so the client sees our response, not a reset. */
  #end(): void {
    this.#closed = true;
    this.#buf = null;
    this.resume();
    this.socket.end();
    // Half-open allowed: if the client already sent its FIN, nothing more will come.
    if (this.#peerEnded) this.socket.destroySoon();
  }

  readonly #onHeadTimeout = (): void => {
    this.#headTimer = null;
    if (this.#request !== null || this.#closed) return;
    const data = localResponse(408, true);
    this.#core.stats.listener.record(
      408,
      0,
      this.#buf?.length ?? 0,
      data.length,
      0,
      'LVS7_HTTP_REQUEST_TIMEOUT',
    );
    this.socket.write(data);
    this.#end();
  };

  readonly #onIdle = (): void => {
    if (this.#request !== null) return;
    if (this.#buf !== null && !this.#closed) this.#onHeadTimeout();
    else this.socket.destroy();
  };

  readonly #onDrain = (): void => {
    this.#request?.onClientDrain();
  };

  /** The listener allows half-open sockets so a request sent before a FIN still gets its response. */
  readonly #onEnd = (): void => {
    this.#peerEnded = true;
    if (this.#request !== null) return;
    if (this.#buf !== null && !this.#closed) {
      // A head cut short by the FIN will never complete.
      this.#buf = null;
    }
    if (!this.#closed) this.#end();
    else this.socket.end();
  };

  readonly #onError = (error: Error): void => {
    this.#core.logger.debug({ err: error, client: this.info.address }, 'client connection error');
  };

  readonly #onClose = (): void => {
    this.#closed = true;
    if (this.#graceTimer !== null) clearTimeout(this.#graceTimer);
    this.#graceTimer = null;
    if (this.#headTimer !== null) clearTimeout(this.#headTimer);
    this.#headTimer = null;
    const request = this.#request;
    this.#request = null;
    request?.abort();
    this.#core.connectionClosed(this);
  };
}
