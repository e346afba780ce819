/** What nextLine() returns when a line grows past the limit without an end. */
export const LINE_TOO_LONG = Symbol('line too long');

/**
 * Cuts a byte stream into CRLF (or bare LF) lines and fixed-size chunks
 * (IMAP literals). Pull-based: the session asks for the next item when it is
 * ready, so nothing is parsed while a login is in flight, and whatever the
 * client pipelined stays here to be handed to the backend (`drain`).
 * Memory is bounded: a line longer than `maxLineLength` is reported once
 * it passes the limit, whatever the client keeps sending.
 */
export class LineFramer {
  readonly maxLineLength: number;
  #buffer: Buffer = Buffer.alloc(0);
  /** Bytes already searched for LF (no need to scan them again). */
  #scanned = 0;

  constructor(maxLineLength: number) {
    this.maxLineLength = maxLineLength;
  }

  get buffered(): number {
    return this.#buffer.length;
  }

  push(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
  }

  /** The next line without its CRLF, undefined until one is complete, or LINE_TOO_LONG. */
  nextLine(): Buffer | undefined | typeof LINE_TOO_LONG {
    const end = this.#buffer.indexOf(0x0a, this.#scanned);
    if (end < 0) {
      this.#scanned = this.#buffer.length;
      return this.#buffer.length > this.maxLineLength ? LINE_TOO_LONG : undefined;
    }
    const lineEnd = end > 0 && this.#buffer[end - 1] === 0x0d ? end - 1 : end;
    if (lineEnd > this.maxLineLength) return LINE_TOO_LONG;
    const line = this.#buffer.subarray(0, lineEnd);
    this.#consume(end + 1);
    return line;
  }

  /** Exactly `size` bytes (an IMAP literal), or undefined until they have arrived. */
  take(size: number): Buffer | undefined {
    if (this.#buffer.length < size) return undefined;
    const bytes = this.#buffer.subarray(0, size);
    this.#consume(size);
    return bytes;
  }

  /** Everything not consumed yet (pipelined commands for the backend); empties the framer. */
  drain(): Buffer {
    const rest = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    this.#scanned = 0;
    return rest;
  }

  #consume(count: number): void {
    this.#buffer = this.#buffer.subarray(count);
    this.#scanned = 0;
    // Do not pin a large chunk for a few leftover bytes.
    if (this.#buffer.length > 0 && this.#buffer.length < 4096 && this.#buffer.buffer.byteLength > 65536) {
      this.#buffer = Buffer.from(this.#buffer);
    }
  }
}
