import {
  constants,
  createServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ListenerCore } from './client-connection.js';
import type { ClientSide } from './client-side.js';
import { HttpError } from './errors.js';
import { type ClientInfo, normalizeAddress } from './forwarded.js';
import { isHopByHop } from './headers.js';
import { ChunkedParser } from './http1/chunked.js';
import { BODY_CHUNKED, BODY_NONE, parseRequestHead, RequestHead } from './http1/request-head.js';
import { parseResponseHead, ResponseHead } from './http1/response-head.js';
import { connectionEnds, peerAddressOf } from './proxy-protocol.js';
import { ProxyRequest } from './proxy-request.js';

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/**
 * HTTP/2 from clients (TLS with ALPN h2), HTTP/1.1 to servers. Each h2
 * stream is turned into the HTTP/1.1 head it stands for and run through
 * the same parser and exchange as HTTP/1.1 clients, so validation,
 * routing, retries and header rules are identical; the exchange's
 * HTTP/1.1 response is parsed back into an h2 response. Response trailers
 * are not relayed over h2 (yet).
 */
export class H2Frontend {
  readonly #onClosed: () => void;
  readonly #server: Http2Server;
  readonly #sessions = new Set<Http2Session>();

  constructor(core: ListenerCore, onClosed: () => void) {
    this.#onClosed = onClosed;
    this.#server = createServer({ maxSessionMemory: 64 });
    this.#server.on('session', (session: Http2Session) => {
      this.#sessions.add(session);
      session.on('error', (error) => core.logger.debug({ err: error }, 'h2 session error'));
      session.once('close', () => {
        this.#sessions.delete(session);
        this.#onClosed();
      });
      if (core.closing) session.close();
    });
    this.#server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      const socket = stream.session?.socket as Socket | undefined;
      const info: ClientInfo = {
        address: normalizeAddress(socket === undefined ? undefined : peerAddressOf(socket)),
        trusted: false,
        proto: 'https',
      };
      const ends = socket === undefined ? undefined : connectionEnds(socket);
      new H2Exchange(core, stream, { ...info, trusted: core.runtime.trusted(info.address), ends }).start(
        headers,
      );
    });
  }

  get sessions(): number {
    return this.#sessions.size;
  }

  accept(socket: TLSSocket): void {
    this.#server.emit('connection', socket);
  }

  closeWhenIdle(): void {
    for (const s of this.#sessions) s.close();
  }

  destroy(): void {
    for (const s of this.#sessions) s.destroy();
  }
}

/** One h2 stream seen as an HTTP/1.1 client by a ProxyRequest. */
class H2Exchange implements ClientSide {
  readonly info: ClientInfo;
  readonly #core: ListenerCore;
  readonly #stream: ServerHttp2Stream;
  #request: ProxyRequest | null = null;
  #chunkedUp = false;
  #bodiless = false;
  #buf: Buffer | null = null;
  #head: ResponseHead | null = null;
  #decoder: ChunkedParser | null = null;

  constructor(core: ListenerCore, stream: ServerHttp2Stream, info: ClientInfo) {
    this.#core = core;
    this.#stream = stream;
    this.info = info;
  }

  get upstreams() {
    return this.#core.upstreams;
  }

  get closing(): boolean {
    return this.#core.closing;
  }

  start(headers: IncomingHttpHeaders): void {
    const stream = this.#stream;
    const method = String(headers[':method']);
    let text = `${method} ${headers[':path'] ?? '/'} HTTP/1.1\r\nHost: ${headers[':authority'] ?? headers.host ?? ''}\r\n`;
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith(':') || name === 'host' || value === undefined) continue;
      // RFC 9113 §8.2.3: split cookie fields are joined with "; ".
      const v = Array.isArray(value) ? value.join(name === 'cookie' ? '; ' : ', ') : value;
      text += `${name}: ${v}\r\n`;
    }
    this.#chunkedUp = !stream.endAfterHeaders && headers['content-length'] === undefined;
    if (this.#chunkedUp) text += 'Transfer-Encoding: chunked\r\n';
    const head = new RequestHead();
    const rt = this.#core.runtime;
    try {
      if (/[^\t\x20-\xff]/.test(text.replace(/\r\n/g, '')))
        throw new HttpError('LVS7_HTTP_INVALID_HEADER', 'bad byte');
      parseRequestHead(Buffer.from(`${text}\r\n`, 'latin1'), 0, rt.limits, head);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 400;
      if (!stream.destroyed) stream.respond({ ':status': status }, { endStream: true });
      return;
    }
    this.#bodiless = method === 'HEAD';
    const request = new ProxyRequest(this, rt, head);
    this.#request = request;
    stream.on('data', (chunk: Buffer) => this.#onData(chunk));
    stream.on('end', () => {
      if (this.#chunkedUp) this.#request?.onClientData(LAST_CHUNK);
    });
    stream.on('drain', () => this.#request?.onClientDrain());
    stream.on('close', () => {
      const r = this.#request;
      this.#request = null;
      r?.abort();
    });
    stream.on('error', () => {});
    request.start(null);
    if (head.framing === BODY_NONE) stream.resume();
  }

  #onData(chunk: Buffer): void {
    const request = this.#request;
    if (request === null || !request.wantsBody) return;
    if (this.#chunkedUp) {
      if (chunk.length === 0) return;
      request.onClientData(
        Buffer.concat([Buffer.from(chunk.length.toString(16), 'latin1'), CRLF, chunk, CRLF]),
      );
    } else request.onClientData(chunk);
  }

  stash(): void {}

  pause(): void {
    this.#stream.pause();
  }

  resume(): void {
    this.#stream.resume();
  }

  /** h2 streams keep what they are given until sent. */
  readonly pendingWrites = true;

  writeHeadAndBody(head: string, body: Buffer): boolean {
    this.write(head);
    return this.write(body);
  }

  /** Receives the HTTP/1.1 response bytes the exchange would send and turns them into h2. */
  write(data: Buffer | string): boolean {
    const stream = this.#stream;
    if (stream.destroyed || stream.closed) return true;
    let buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    if (this.#head === null) {
      if (this.#buf !== null) buf = Buffer.concat([this.#buf, buf]);
      for (;;) {
        const head = new ResponseHead();
        const end = parseResponseHead(buf, 0, this.#bodiless, head);
        if (end < 0) {
          this.#buf = buf;
          return true;
        }
        buf = buf.subarray(end);
        if (head.status >= 200) {
          this.#respond(head);
          break;
        }
        if (buf.length === 0) return true;
      }
      this.#buf = null;
    }
    if (buf.length === 0) return true;
    if (this.#decoder !== null) {
      this.#decoder.feed(buf, 0);
      return !stream.writableNeedDrain;
    }
    return stream.write(buf);
  }

  #respond(head: ResponseHead): void {
    const headers: OutgoingHttpHeaders = { ':status': head.status };
    const { lower, values } = head;
    for (let i = 0; i < lower.length; i++) {
      const name = lower[i]!;
      if ((isHopByHop(name) && name !== 'content-length') || name === 'via') continue;
      const prev = headers[name];
      headers[name] =
        prev === undefined
          ? values[i]
          : Array.isArray(prev)
            ? [...prev, values[i]!]
            : [String(prev), values[i]!];
    }
    this.#head = head;
    if (head.framing === BODY_CHUNKED) {
      const stream = this.#stream;
      this.#decoder = new ChunkedParser(65_536, {
        onChunkData: (b, s, e) => {
          if (e > s) stream.write(b.subarray(s, e));
        },
      });
    }
    this.#stream.respond(headers, { endStream: head.framing === BODY_NONE });
  }

  abort(): void {
    if (!this.#stream.destroyed) this.#stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  }

  detach(): never {
    throw new Error('no upgrade over HTTP/2');
  }

  exchangeDone(request: ProxyRequest): void {
    if (this.#request !== request) return;
    this.#request = null;
    const stream = this.#stream;
    if (!stream.destroyed && !stream.writableEnded) stream.end();
  }
}
