import { FIELD_VALUE, HEX, TOKEN } from './chars.js';

const SIZE = 0;
const SIZE_MORE = 1;
const SIZE_WS = 2;
const EXT = 3;
const SIZE_LF = 4;
const DATA = 5;
const DATA_CR = 6;
const DATA_LF = 7;
const TRAILER_START = 8;
const TRAILER_NAME = 9;
const TRAILER_VALUE = 10;
const TRAILER_LF = 11;
const END_LF = 12;
const DONE = 13;

/** 13 hex digits stay below 2^53. */
const MAX_SIZE_DIGITS = 13;
const MAX_EXT = 4096;

/** Receives the payload of a chunked body when decoding (HTTP/1.0 clients). */
export interface ChunkSink {
  onChunkData(buf: Buffer, start: number, end: number): void;
}

export class ChunkedFramingError extends Error {}

/**
 * Follows chunked framing (RFC 9112 §7.1) over raw bytes so they can be
 * forwarded untouched — extensions and trailers included — while we still
 * know exactly where the message ends. Validation is strict (no bare LF,
 * no whitespace or junk after the size, token trailer names) so the server
 * can only ever see the framing we saw. Payload bytes are skipped in
 * blocks, only framing bytes are looked at one by one.
 */
export class ChunkedParser {
  #state = SIZE;
  #remaining = 0;
  #digits = 0;
  #line = 0;
  #trailerBytes = 0;
  readonly #maxTrailer: number;
  readonly #sink: ChunkSink | null;

  constructor(maxTrailerBytes: number, sink: ChunkSink | null = null) {
    this.#maxTrailer = maxTrailerBytes;
    this.#sink = sink;
  }

  get done(): boolean {
    return this.#state === DONE;
  }

  /**
   * Scans `buf` from `start`. Returns the offset just past the body's last
   * byte when the body ends inside `buf`, else -1. Throws ChunkedFramingError.
   */
  feed(buf: Buffer, start: number): number {
    const n = buf.length;
    let state = this.#state;
    let i = start;
    while (i < n) {
      if (state === DATA) {
        const take = Math.min(this.#remaining, n - i);
        if (this.#sink !== null) this.#sink.onChunkData(buf, i, i + take);
        i += take;
        this.#remaining -= take;
        if (this.#remaining === 0) state = DATA_CR;
        continue;
      }
      const c = buf[i++]!;
      switch (state) {
        case SIZE:
        case SIZE_MORE: {
          const h = HEX[c]!;
          if (h !== 0) {
            if (++this.#digits > MAX_SIZE_DIGITS) throw new ChunkedFramingError('chunk size too large');
            this.#remaining = this.#remaining * 16 + h - 1;
            state = SIZE_MORE;
          } else if (state === SIZE) throw new ChunkedFramingError('invalid chunk size');
          else if (c === 0x0d) state = SIZE_LF;
          else if (c === 0x3b) state = EXT;
          else if (c === 0x20 || c === 0x09) state = SIZE_WS;
          else throw new ChunkedFramingError('invalid chunk size');
          break;
        }
        case SIZE_WS:
          if (c === 0x3b) state = EXT;
          else if (c !== 0x20 && c !== 0x09) throw new ChunkedFramingError('invalid chunk extension');
          break;
        case EXT:
          if (c === 0x0d) state = SIZE_LF;
          else if (FIELD_VALUE[c] !== 1 || ++this.#line > MAX_EXT) {
            throw new ChunkedFramingError('invalid chunk extension');
          }
          break;
        case SIZE_LF:
          if (c !== 0x0a) throw new ChunkedFramingError('expected LF after chunk size');
          this.#digits = 0;
          this.#line = 0;
          state = this.#remaining === 0 ? TRAILER_START : DATA;
          break;
        case DATA_CR:
          if (c !== 0x0d) throw new ChunkedFramingError('expected CRLF after chunk data');
          state = DATA_LF;
          break;
        case DATA_LF:
          if (c !== 0x0a) throw new ChunkedFramingError('expected CRLF after chunk data');
          state = SIZE;
          break;
        case TRAILER_START:
          if (c === 0x0d) state = END_LF;
          else if (TOKEN[c] === 1) state = TRAILER_NAME;
          else throw new ChunkedFramingError('invalid trailer field');
          break;
        case TRAILER_NAME:
          if (c === 0x3a) state = TRAILER_VALUE;
          else if (TOKEN[c] !== 1) throw new ChunkedFramingError('invalid trailer field');
          break;
        case TRAILER_VALUE:
          if (c === 0x0d) state = TRAILER_LF;
          else if (FIELD_VALUE[c] !== 1) throw new ChunkedFramingError('invalid trailer field');
          break;
        case TRAILER_LF:
          if (c !== 0x0a) throw new ChunkedFramingError('expected LF after trailer field');
          state = TRAILER_START;
          break;
        case END_LF:
          if (c !== 0x0a) throw new ChunkedFramingError('expected LF after last chunk');
          this.#state = DONE;
          return i;
        default:
          throw new ChunkedFramingError('data after the last chunk');
      }
      if (state >= TRAILER_START && ++this.#trailerBytes > this.#maxTrailer) {
        throw new ChunkedFramingError('trailer section too large');
      }
    }
    this.#state = state;
    return -1;
  }
}
