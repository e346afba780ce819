/**
 * The framer only cuts bytes: command lines in command mode, and the end of
 * the message in DATA mode. It never interprets either.
 */

/** What nextLine() returns once for a line longer than the limit (the line itself is dropped). */
export const LINE_TOO_LONG: unique symbol = Symbol('line too long');

export class CommandFramer {
  maxLineLength: number;
  #buffer: Buffer | undefined;
  #discarding = false;

  constructor(maxLineLength: number) {
    this.maxLineLength = maxLineLength;
  }

  push(chunk: Buffer): void {
    this.#buffer = this.#buffer === undefined ? chunk : Buffer.concat([this.#buffer, chunk]);
  }

  get buffered(): number {
    return this.#buffer?.length ?? 0;
  }

  /** A complete line is waiting (the client pipelined more commands). */
  hasLine(): boolean {
    return this.#buffer !== undefined && this.#buffer.indexOf(10) >= 0;
  }

  /** The verb of the next complete line, upper-cased, without consuming it ('' when there is none). */
  peekVerb(): string {
    const buffer = this.#buffer;
    if (buffer === undefined || this.#discarding) return '';
    const lf = buffer.indexOf(10);
    if (lf < 0) return '';
    return buffer.subarray(0, Math.min(lf, 16)).toString('latin1').trim().split(' ')[0]!.toUpperCase();
  }

  /** The next line without its CRLF (a bare LF is tolerated), LINE_TOO_LONG, or undefined when incomplete. */
  nextLine(): Buffer | typeof LINE_TOO_LONG | undefined {
    for (;;) {
      const buffer = this.#buffer;
      if (buffer === undefined) return undefined;
      const lf = buffer.indexOf(10);
      if (lf < 0) {
        if (buffer.length <= this.maxLineLength) return undefined;
        this.#buffer = undefined;
        if (this.#discarding) return undefined;
        this.#discarding = true;
        return LINE_TOO_LONG;
      }
      this.#buffer = lf + 1 < buffer.length ? buffer.subarray(lf + 1) : undefined;
      if (this.#discarding) {
        // The tail of a line already reported as too long.
        this.#discarding = false;
        continue;
      }
      const end = lf > 0 && buffer[lf - 1] === 13 ? lf - 1 : lf;
      return end > this.maxLineLength ? LINE_TOO_LONG : buffer.subarray(0, end);
    }
  }

  /** Hands over whatever is buffered (the start of a message after DATA) and empties the framer. */
  takeRest(): Buffer | undefined {
    const rest = this.#buffer;
    this.#buffer = undefined;
    this.#discarding = false;
    return rest;
  }

  /** Drops buffered input (pipelined commands after STARTTLS must not survive the handshake). */
  clear(): void {
    this.#buffer = undefined;
    this.#discarding = false;
  }
}

const END = Buffer.from('\r\n.\r\n');

/**
 * Finds the end of a message (`CRLF.CRLF`) across chunk boundaries. Message
 * bytes pass through unchanged (dot-stuffing included), so the backend gets
 * exactly what the client sent. The search is Buffer.indexOf (native) except
 * for the at most four bytes of a marker split between chunks.
 */
export class DataScanner {
  /** Bytes of END matched at the end of what was fed so far; DATA starts at a line start. */
  #matched = 2;

  reset(): void {
    this.#matched = 2;
  }

  /** Offset just past the end marker in `chunk`, or -1 when the message goes on. */
  feed(chunk: Buffer): number {
    const length = chunk.length;
    let i = 0;
    while (this.#matched > 0 && i < length) {
      this.#step(chunk[i]!);
      i++;
      if (this.#matched === END.length) {
        this.#matched = 2;
        return i;
      }
    }
    const at = chunk.indexOf(END, i);
    if (at >= 0) {
      this.#matched = 2;
      return at + END.length;
    }
    for (let j = Math.max(i, length - (END.length - 1)); j < length; j++) this.#step(chunk[j]!);
    return -1;
  }

  #step(byte: number): void {
    if (byte === END[this.#matched]) this.#matched++;
    else this.#matched = byte === 13 ? 1 : 0;
  }
}
