import { encodeProxyHeader, type Server } from '@lvs7/core';
import type { ClientSide } from './client-side.js';
import { HTTP_ERROR_STATUS, type HttpErrorCode, type UpstreamError } from './errors.js';
import { buildInformationalHead, buildResponseHead, passUpgrade, upstreamRequestHead } from './headers.js';
import { ChunkedFramingError } from './http1/chunked.js';
import type { RequestHead } from './http1/request-head.js';
import type { ResponseHead } from './http1/response-head.js';
import { RequestBody } from './request-body.js';
import { decideRequestId, type RequestIdDecision, responseIdLine } from './request-id.js';
import { responseKeepAlive, responseTail } from './response-framing.js';
import { CONTINUE, localResponseWith } from './responses.js';
import type { CompiledRoute } from './router.js';
import type { ListenerRuntime, PoolRuntime } from './runtime.js';
import { type StickyState, selectServer } from './server-selection.js';
import { type EndpointStats, type ExchangeFacts, recordExchange } from './stats.js';
import { stickyId } from './sticky.js';
import { startTunnel, type TunnelOwner } from './tunnel.js';
import type { UpstreamConnection, UpstreamHandler } from './upstream/connection.js';

const PICKING = 0;
const CONNECTING = 1;
const SENT = 2;
const RESPONDING = 3;
const TUNNEL = 4;
const DONE = 5;

/**
 * One request/response exchange: route, pick a server, send, retry what
 * may be retried, stream the response back. It is its upstream
 * connection's handler, so the normal path creates no closure or promise.
 */
export class ProxyRequest implements UpstreamHandler, TunnelOwner, ExchangeFacts {
  readonly #client: ClientSide;
  readonly #rt: ListenerRuntime;
  readonly #req: RequestHead;
  readonly #body: RequestBody;
  readonly #t0 = performance.now();
  readonly #upgrade: boolean;
  #phase = PICKING;
  #route: CompiledRoute | null = null;
  #prt: PoolRuntime | null = null;
  /** Set while the request goes to a peer site (`#prt` is then the peer's): the pool to fall back on. */
  #local: PoolRuntime | null = null;
  #server: Server | null = null;
  #serverStats: EndpointStats | null = null;
  #up: UpstreamConnection | null = null;
  #tried: Set<Server> | null = null;
  #retries = 0;
  #lastError: UpstreamError | null = null;
  #sticky: StickyState | null = null;
  #head: string | null = null;
  /** Response head held back to go out in one write with the first body bytes. */
  #pendingHead: string | null = null;
  #status = 0;
  #keepAlive = false;
  #bytesIn: number;
  #bytesOut = 0;
  /** Null when the listener has request ids off. */
  readonly #rid: RequestIdDecision | null;

  constructor(client: ClientSide, rt: ListenerRuntime, req: RequestHead) {
    this.#client = client;
    this.#rt = rt;
    this.#req = req;
    this.#bytesIn = req.size;
    this.#body = new RequestBody(req, rt.limits.maxHeaderSize);
    this.#upgrade = passUpgrade(req);
    this.#rid = rt.requestId === null ? null : decideRequestId(rt.requestId, req, client.info.trusted);
    rt.stats.listener.active++;
  }

  /** Still reading the request body from the client. */
  get wantsBody(): boolean {
    return !this.#body.done;
  }

  start(initial: Buffer | null): void {
    if (initial !== null) this.onClientData(initial);
    if (this.#phase === DONE) return;
    const rt = this.#rt;
    const route = rt.router.match(this.#req);
    if (route === null) {
      this.#fail('LVS7_HTTP_NO_ROUTE', rt.router.defaultStatus);
      return;
    }
    this.#route = route;
    route.stats.active++;
    const prt = rt.pools.get(route.pool);
    if (prt === undefined) {
      this.#fail('LVS7_HTTP_NO_SERVER');
      return;
    }
    const peer = rt.overflow?.divert(this.#req, this.#client.info.address) ?? null;
    if (peer !== null) this.#local = prt;
    this.#use(peer ?? prt);
    this.#pick();
  }

  /** Sends the request to this pool (a peer site's while `#local` is set); sticky cookies only locally. */
  #use(prt: PoolRuntime): void {
    this.#prt = prt;
    prt.stats.active++;
    this.#sticky = this.#route!.sticky !== null && this.#local === null ? { id: null, refresh: false } : null;
  }

  onClientData(chunk: Buffer): void {
    const framer = this.#body;
    try {
      framer.feed(chunk);
    } catch (error) {
      if (!(error instanceof ChunkedFramingError)) throw error;
      framer.done = true;
      this.#fail('LVS7_HTTP_BAD_CHUNK');
      return;
    }
    const { body, excess } = framer;
    if (excess !== null) this.#client.stash(excess);
    if (body === null || body.length === 0) return;
    this.#bytesIn += body.length;
    if (this.#phase === DONE) return;
    if (!this.#body.forward(body, this.#phase >= SENT ? this.#up : null)) this.#client.pause();
  }

  #pick(): void {
    const address = this.#client.info.address;
    const s = selectServer(this.#prt!, this.#route!, this.#req, address, this.#tried, this.#sticky);
    if (typeof s === 'string') this.#fail(this.#tried !== null ? (this.#lastError?.code ?? s) : s);
    else if (s instanceof Promise) s.then((server) => this.#onQueued(server));
    else this.#connect(s);
  }

  #onQueued(server: Server | undefined): void {
    const pool = this.#prt!.pool;
    if (this.#phase === DONE) {
      if (server !== undefined) pool.sessionEnded(server);
    } else if (server === undefined) {
      this.#fail(pool.eligibleCount === 0 ? 'LVS7_HTTP_NO_SERVER' : 'LVS7_HTTP_QUEUE_TIMEOUT');
    } else this.#connect(server);
  }

  #connect(server: Server): void {
    this.#server = server;
    this.#serverStats = this.#rt.stats.server(this.#prt!.pool.name, server);
    this.#serverStats.active++;
    this.#phase = CONNECTING;
    const up = this.#client.upstreams.acquire(server, this, this.#route!.connectTimeout, this.#preamble());
    this.#up = up;
    if (up.ready) this.#send(up);
  }

  /** The PROXY header naming this client, when the pool's servers want one (sendProxy). */
  #preamble(): Buffer | null {
    const version = this.#prt!.sendProxy;
    const ends = version == null ? undefined : this.#client.info.ends;
    return ends === undefined ? null : encodeProxyHeader(version!, ends.client, ends.local);
  }

  onUpstreamReady(conn: UpstreamConnection): void {
    if (conn === this.#up) this.#send(conn);
  }

  #send(up: UpstreamConnection): void {
    const req = this.#req;
    const route = this.#route!;
    let head = this.#head;
    if (head === null) {
      const rt = this.#rt;
      const info = this.#client.info;
      const server = this.#server!;
      const idLine = this.#rid?.line ?? '';
      const dropId = this.#rid?.drop ?? null;
      head =
        this.#local !== null
          ? rt.overflow!.head(rt, req, info, server, idLine, dropId)
          : upstreamRequestHead(rt, route, req, info, server, idLine, dropId);
      // Without a Host of its own the request names the server: rebuilt per attempt.
      if (req.authority !== '' || (this.#local === null && route.hostRewrite !== null)) this.#head = head;
    }
    up.expect(req.method === 'HEAD', this.#upgrade, req.minor === 0);
    up.setTimeout(route.responseTimeout);
    this.#phase = SENT;
    this.#body.send(up, head);
    if (!this.#body.done) this.#client.resume();
  }

  onUpstreamInformational(head: ResponseHead): void {
    if (this.#req.minor === 0) return;
    const data = head.status === 100 ? CONTINUE : buildInformationalHead(head, null);
    this.#bytesOut += data.length;
    this.#client.write(data);
  }

  onUpstreamHead(head: ResponseHead): void {
    const route = this.#route!;
    const server = this.#server!;
    const status = head.status;
    const outlier = this.#prt!.outlier;
    if (route.retryStatuses?.has(status) && this.#local === null && this.#canRetry('status')) {
      outlier?.report(server, false, '5xx');
      this.#up!.destroy();
      this.#up = null;
      this.#retry();
      return;
    }
    outlier?.report(server, status < 500, status < 500 ? undefined : '5xx');
    this.#status = status;
    this.#phase = RESPONDING;
    const req = this.#req;
    const keepAlive = responseKeepAlive(head, req, this.#body.done, this.#client.closing);
    this.#keepAlive = keepAlive;
    let tail = this.#rt.via[head.minor]!;
    if (route.sticky !== null && this.#local === null) {
      const id = stickyId(this.#prt!.pool, server);
      if (id !== this.#sticky!.id || this.#sticky!.refresh) tail += route.sticky.encode(id, Date.now());
    }
    // Ours replaces a request id the server echoes (no duplicate field).
    const rid = this.#rt.requestId;
    const idLine = responseIdLine(rid, this.requestId);
    tail += idLine;
    const dropId = idLine !== '' && head.has(rid!.lower) ? rid!.lower : null;
    this.#pendingHead = buildResponseHead(
      head,
      route.responseHeaders,
      tail + responseTail(head, req, keepAlive),
      dropId,
    );
  }

  onUpstreamBody(buf: Buffer): void {
    const head = this.#pendingHead;
    let ok: boolean;
    this.#bytesOut += buf.length;
    if (head !== null) {
      this.#pendingHead = null;
      this.#bytesOut += head.length;
      ok = this.#client.writeHeadAndBody(head, buf);
    } else ok = this.#client.write(buf);
    const up = this.#up!;
    if (this.#client.pendingWrites) up.lend();
    if (!ok) up.socket.pause();
  }

  onUpstreamFlush(): void {
    // Still streaming after a read: from now on the idle timeout applies. (Set here rather than at the
    // head so that small responses, done in one read, never re-arm the socket's timer.)
    this.#up?.setTimeout(this.#route!.idleTimeout);
    this.#flushHead();
  }

  #flushHead(): void {
    const head = this.#pendingHead;
    if (head !== null) {
      this.#pendingHead = null;
      this.#bytesOut += head.length;
      this.#client.write(head);
    }
  }

  onUpstreamEnd(reusable: boolean): void {
    this.#flushHead();
    const up = this.#up!;
    this.#up = null;
    if (reusable && this.#body.done && this.#body.flushed) this.#client.upstreams.release(up);
    else up.destroy();
    this.#finish(null);
  }

  onUpstreamUpgrade(head: ResponseHead, rest: Buffer | null): void {
    const up = this.#up!;
    this.#up = null;
    this.#prt!.outlier?.report(this.#server!, true);
    this.#status = 101;
    this.#phase = TUNNEL;
    const data = buildInformationalHead(head, head.get('upgrade') ?? this.#req.upgrade);
    this.#bytesOut += data.length;
    this.#client.write(data);
    const client = this.#client.detach();
    startTunnel(client.socket, up, client.rest, rest, this.#route!.idleTimeout, this);
  }

  onTunnelClosed(bytesIn: number, bytesOut: number): void {
    this.#bytesIn += bytesIn;
    this.#bytesOut += bytesOut;
    this.#finish(null);
  }

  onUpstreamError(error: UpstreamError): void {
    this.#up = null;
    if (this.#phase === DONE) return;
    if (this.#local !== null && this.#phase < RESPONDING && this.#overflowFailed(error)) return;
    this.#prt!.outlier?.report(this.#server!, false, error.kind);
    this.#lastError = error;
    if (this.#phase === RESPONDING) {
      if (this.#pendingHead === null) {
        this.#abortMidResponse(error.code);
        return;
      }
      this.#pendingHead = null;
      this.#phase = SENT; // nothing reached the client yet: a 502 is still possible
    } else if (this.#canRetry(error.kind)) {
      this.#retry();
      return;
    }
    this.#fail(error.code);
  }

  onUpstreamDrain(): void {
    if (!this.#body.done) this.#client.resume();
  }

  onClientDrain(): void {
    if (this.#phase === RESPONDING) this.#up?.socket.resume();
  }

  /** The client connection closed under us. */
  abort(): void {
    if (this.#phase === DONE || this.#phase === TUNNEL) return;
    this.#up?.destroy();
    this.#up = null;
    this.#keepAlive = false;
    if (this.#status === 0) this.#status = HTTP_ERROR_STATUS.LVS7_HTTP_CLIENT_ABORTED;
    this.#finish('LVS7_HTTP_CLIENT_ABORTED');
  }

  /** Within the count, on a condition the route lists, never replaying what may have run. */
  #canRetry(kind: string): boolean {
    const route = this.#route!;
    return this.#retries < route.retries && !this.#body.sent && route.retryAllowed(kind, this.#req.method);
  }

  #retry(): void {
    (this.#tried ??= new Set()).add(this.#server!);
    this.#endSession();
    this.#retries++;
    this.#body.rewind();
    this.#phase = PICKING;
    this.#pick();
  }

  /**
   * The peer site could not be reached (or dropped a request that may be
   * replayed): serve it here after all, never an error for overflow.
   */
  #overflowFailed(error: UpstreamError): boolean {
    const local = this.#local!;
    if (this.#body.sent) return false;
    if (error.kind !== 'connect-failure' && !this.#route!.retryAllowed(error.kind, this.#req.method))
      return false;
    this.#rt.overflow?.failed(this.#prt!);
    this.#endSession();
    this.#prt!.stats.active--;
    this.#local = null;
    this.#use(local);
    this.#head = null;
    this.#body.rewind();
    this.#phase = PICKING;
    this.#pick();
    return true;
  }

  #endSession(): void {
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    this.#serverStats!.active--;
    this.#prt!.pool.sessionEnded(server);
  }

  /** Part of the response is out: all we can do is cut the client off. */
  #abortMidResponse(code: HttpErrorCode): void {
    this.#keepAlive = false;
    this.#up?.destroy();
    this.#up = null;
    this.#client.abort();
    this.#finish(code);
  }

  /** Answers with a local error response (before any response byte went out). */
  #fail(code: HttpErrorCode, status: number = HTTP_ERROR_STATUS[code]): void {
    if (this.#phase === RESPONDING && this.#pendingHead === null) {
      this.#abortMidResponse(code);
      return;
    }
    this.#pendingHead = null;
    // After a framing error we no longer know where the next request starts.
    const keepAlive =
      this.#req.keepAlive && this.#body.done && !this.#client.closing && code !== 'LVS7_HTTP_BAD_CHUNK';
    const data = localResponseWith(status, !keepAlive, responseIdLine(this.#rt.requestId, this.requestId));
    this.#status = status;
    this.#keepAlive = keepAlive;
    this.#bytesOut += data.length;
    this.#up?.destroy();
    this.#up = null;
    this.#client.write(data);
    this.#finish(code === 'LVS7_HTTP_NO_ROUTE' ? null : code);
  }

  #finish(error: HttpErrorCode | null): void {
    if (this.#phase === DONE) return;
    this.#phase = DONE;
    const server = this.#server;
    const serverStats = server === null ? null : this.#serverStats;
    this.#endSession();
    recordExchange(this.#rt, this.#route, this.#prt, server, serverStats, this, error);
    this.#client.exchangeDone(this, this.#keepAlive);
  }

  // ExchangeFacts, read by recordExchange.
  get status(): number {
    return this.#status;
  }
  get startedAt(): number {
    return this.#t0;
  }
  get bytesIn(): number {
    return this.#bytesIn;
  }
  get bytesOut(): number {
    return this.#bytesOut;
  }
  get retries(): number {
    return this.#retries;
  }
  get method(): string {
    return this.#req.method;
  }
  get target(): string {
    return this.#req.target;
  }
  get client(): string {
    return this.#client.info.address;
  }
  get requestId(): string | null {
    return this.#rid?.id ?? null;
  }
}
