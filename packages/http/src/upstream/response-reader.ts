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
import type { UpstreamHandler } from './connection.js';

/** What the reader needs of the connection it reads for. */
export interface ReaderHost {
  /** The exchange currently owning the connection; changes when one ends (checked after every callback). */
  readonly handler: UpstreamHandler | null;
  fail(error: UpstreamError): void;
  /** The response is complete; `reusable` if the connection may carry another exchange. */
  finished(handler: UpstreamHandler, reusable: boolean): void;
  /** A 101 was accepted: the connection becomes a tunnel. */
  upgraded(handler: UpstreamHandler, head: ResponseHead, rest: Buffer | null): void;
}

const IDLE = 0;
const HEAD = 1;
const BODY = 2;

/** Trailer section of a decoded (HTTP/1.0 client) chunked body is bounded like a head. */
const MAX_TRAILER = 65_536;

function bad(message: string): UpstreamError {
  return new UpstreamError('LVS7_HTTP_BAD_RESPONSE', 'invalid-response', message);
}

/**
 * Parses the responses of one server connection incrementally: interim
 * heads, the final head, then the body by its framing, handing body bytes
 * to the handler as slices of what was read (views of the connection's
 * read buffer — see UpstreamConnection.lend).
 */
export class ResponseReader implements ChunkSink {
  readonly #host: ReaderHost;
  #state = IDLE;
  #buf: Buffer | null = null;
  #framing: BodyFraming = BODY_NONE;
  #remaining = 0;
  #chunked: ChunkedParser | null = null;
  #keepAlive = false;
  #bodiless = false;
  #upgrade = false;
  #decode = false;
  /** Bytes of the current response seen: a failure after that is not "before the response". */
  responded = false;

  constructor(host: ReaderHost) {
    this.#host = host;
  }

  /**
   * Prepares for the response to a request about to be written: `bodiless`
   * for HEAD, `upgrade` if a 101 is acceptable, `decode` to turn a chunked
   * body into plain bytes (HTTP/1.0 client).
   */
  expect(bodiless: boolean, upgrade: boolean, decode: boolean): void {
    this.#state = HEAD;
    this.#bodiless = bodiless;
    this.#upgrade = upgrade;
    this.#decode = decode;
    this.responded = false;
    this.#buf = null;
  }

  /** The body runs until the server closes (its end completes the response). */
  get untilClose(): boolean {
    return this.#state === BODY && this.#framing === BODY_UNTIL_CLOSE;
  }

  onChunkData(buf: Buffer, start: number, end: number): void {
    if (end > start) this.#host.handler?.onUpstreamBody(buf.subarray(start, end));
  }

  feed(handler: UpstreamHandler, chunk: Buffer): void {
    const host = this.#host;
    if (this.#state === IDLE) {
      host.fail(bad('bytes before the request'));
      return;
    }
    this.responded = true;
    if (this.#state === BODY) {
      this.#body(handler, chunk, 0);
      if (host.handler === handler) handler.onUpstreamFlush();
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
        host.fail(error as UpstreamError);
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
        if (host.handler !== handler) return;
        continue;
      }
      if (status === 101) {
        if (!this.#upgrade) {
          host.fail(bad('unexpected 101'));
          return;
        }
        this.#state = IDLE;
        host.upgraded(handler, head, pos < buf.length ? Buffer.from(buf.subarray(pos)) : null);
        return;
      }
      this.#state = BODY;
      this.#framing = head.framing;
      this.#remaining = head.contentLength;
      this.#keepAlive = head.keepAlive;
      this.#chunked =
        head.framing === BODY_CHUNKED ? new ChunkedParser(MAX_TRAILER, this.#decode ? this : null) : null;
      handler.onUpstreamHead(head);
      if (host.handler !== handler) return;
      if (head.framing === BODY_NONE) {
        this.#complete(handler, pos === buf.length);
        return;
      }
      if (pos < buf.length) this.#body(handler, buf, pos);
      if (host.handler === handler) handler.onUpstreamFlush();
      return;
    }
  }

  /** The server closed: a close-delimited body is complete. */
  end(handler: UpstreamHandler): void {
    if (this.untilClose) this.#complete(handler, false);
  }

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
        // Bytes past the body: the server is confused, the connection is not reused.
        if (this.#host.handler === handler) this.#complete(handler, avail === remaining);
        return;
      }
      case BODY_CHUNKED: {
        let end: number;
        try {
          end = this.#chunked!.feed(buf, pos);
        } catch (error) {
          this.#host.fail(bad((error as Error).message));
          return;
        }
        if (!this.#decode) {
          const stop = end < 0 ? buf.length : end;
          if (stop > pos)
            handler.onUpstreamBody(pos === 0 && stop === buf.length ? buf : buf.subarray(pos, stop));
        }
        if (end >= 0 && this.#host.handler === handler) this.#complete(handler, end === buf.length);
        return;
      }
      case BODY_UNTIL_CLOSE:
        handler.onUpstreamBody(pos === 0 ? buf : buf.subarray(pos));
        return;
    }
  }

  #complete(handler: UpstreamHandler, clean: boolean): void {
    const reusable = clean && this.#keepAlive && this.#framing !== BODY_UNTIL_CLOSE;
    this.#state = IDLE;
    this.#chunked = null;
    this.#host.finished(handler, reusable);
  }
}
