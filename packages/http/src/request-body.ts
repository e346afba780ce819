import { ChunkedParser } from './http1/chunked.js';
import { BODY_CHUNKED, BODY_NONE, type RequestHead } from './http1/request-head.js';
import type { UpstreamConnection } from './upstream/connection.js';

/** A body up to this size that arrived before we connected is kept so a retry can resend it. */
const REPLAY_MAX = 65_536;

/**
 * A request body on its way from the client to a server. Splits what the
 * client sends into this body and what follows it (the next pipelined
 * request) by the framing we validated, holds bytes while no server is
 * connected, and keeps a small body whole for a retry. Results of `feed`
 * are left in fields: no object per chunk.
 */
export class RequestBody {
  done: boolean;
  /** After feed(): the part of the chunk that is body, and the rest (or null). */
  body: Buffer | null = null;
  excess: Buffer | null = null;
  /** Body bytes went to a server and are not kept: the request cannot be replayed. */
  sent = false;
  #left: number;
  readonly #chunked: ChunkedParser | null;
  #queued: Buffer[] | null = null;
  #replay: Buffer[] | null = null;

  constructor(req: RequestHead, maxTrailerBytes: number) {
    this.done = req.framing === BODY_NONE;
    this.#left = req.contentLength;
    this.#chunked = req.framing === BODY_CHUNKED ? new ChunkedParser(maxTrailerBytes) : null;
  }

  /** Nothing is waiting to be written to the server. */
  get flushed(): boolean {
    return this.#queued === null;
  }

  /** Throws ChunkedFramingError on a malformed chunked body. */
  feed(chunk: Buffer): void {
    this.body = chunk;
    this.excess = null;
    if (this.done) {
      this.body = null;
      this.excess = chunk;
      return;
    }
    if (this.#chunked !== null) {
      const end = this.#chunked.feed(chunk, 0);
      if (end < 0) return;
      this.done = true;
      if (end < chunk.length) {
        this.body = chunk.subarray(0, end);
        this.excess = chunk.subarray(end);
      }
      return;
    }
    const left = this.#left;
    if (chunk.length < left) {
      this.#left = left - chunk.length;
      return;
    }
    this.#left = 0;
    this.done = true;
    if (chunk.length > left) {
      this.body = chunk.subarray(0, left);
      this.excess = chunk.subarray(left);
    }
  }

  /**
   * Forwards body bytes: written at once when the request is on its way
   * (`up` given), else held. Returns false when the client should pause.
   */
  forward(body: Buffer, up: UpstreamConnection | null): boolean {
    if (up !== null && this.#queued === null) {
      this.sent = true;
      return up.write(body);
    }
    (this.#queued ??= []).push(body);
    return false;
  }

  /** Writes the head and the held body in one go; keeps a complete small body for a retry. */
  send(up: UpstreamConnection, head: string): void {
    const queued = this.#queued;
    if (queued === null) {
      up.write(head);
      return;
    }
    this.#queued = null;
    up.socket.cork();
    up.write(head);
    let size = 0;
    for (const b of queued) {
      up.write(b);
      size += b.length;
    }
    up.socket.uncork();
    if (this.done && size <= REPLAY_MAX) this.#replay = queued;
    else this.sent = true;
  }

  /** Before a retry: what was kept is held again for the next server. */
  rewind(): void {
    if (this.#replay !== null) {
      this.#queued = this.#replay;
      this.#replay = null;
    }
  }
}
