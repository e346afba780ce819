import type { Duplex } from 'node:stream';

export class LineTooLongError extends Error {
  constructor(limit: number) {
    super(`line longer than ${limit} bytes`);
  }
}

/**
 * Pull-based framing for line protocols: a session awaits readLine() or
 * readBytes(n) (IMAP literals) when it wants input, so pipelined commands
 * wait in the buffer until the previous one is answered and mode switches
 * (IDLE, AUTHENTICATE, STARTTLS) apply exactly at the right byte. The socket
 * is paused while the buffer is above `highWaterMark`.
 */
export class LineReader {
  readonly #maxLine: number;
  readonly #highWaterMark: number;
  #stream: Duplex | undefined;
  /** Received, not yet read: a chunk list, so a large literal is copied once, not per chunk. */
  #chunks: Buffer[] = [];
  #length = 0;
  #ended = false;
  #wake: (() => void) | undefined;
  readonly #onData = (chunk: Buffer) => {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    if (this.#length > this.#highWaterMark) this.#stream?.pause();
    this.#notify();
  };
  readonly #onEnd = () => {
    this.#ended = true;
    this.#notify();
  };

  constructor(stream: Duplex, maxLine: number, highWaterMark = 1024 * 1024) {
    this.#maxLine = maxLine;
    this.#highWaterMark = Math.max(highWaterMark, maxLine * 2);
    this.attach(stream);
  }

  /** Reads from `stream` from now on (after STARTTLS, the TLS socket). */
  attach(stream: Duplex): void {
    this.detach();
    this.#stream = stream;
    this.#ended = false;
    stream.on('data', this.#onData);
    stream.on('end', this.#onEnd);
    stream.on('close', this.#onEnd);
    stream.on('error', this.#onEnd);
  }

  detach(): void {
    const stream = this.#stream;
    if (!stream) return;
    stream.off('data', this.#onData);
    stream.off('end', this.#onEnd);
    stream.off('close', this.#onEnd);
    stream.off('error', this.#onEnd);
    this.#stream = undefined;
  }

  /** Drops input received but not read yet (plaintext sent ahead of a TLS handshake). */
  discardBuffered(): void {
    this.#chunks = [];
    this.#length = 0;
  }

  get buffered(): number {
    return this.#length;
  }

  /** The next line without its CRLF (or bare LF), or null at end of input. */
  async readLine(): Promise<string | null> {
    for (;;) {
      const lf = this.#indexOfLf();
      if (lf >= 0) {
        if (lf > this.#maxLine) throw new LineTooLongError(this.#maxLine);
        const data = this.#take(lf + 1);
        const end = lf > 0 && data[lf - 1] === 0x0d ? lf - 1 : lf;
        return data.toString('utf8', 0, end);
      }
      if (this.#length > this.#maxLine) throw new LineTooLongError(this.#maxLine);
      if (this.#ended) return null;
      await this.#more();
    }
  }

  /** Exactly `size` bytes, or null at end of input. */
  async readBytes(size: number): Promise<Buffer | null> {
    while (this.#length < size) {
      if (this.#ended) return null;
      await this.#more();
    }
    return this.#take(size);
  }

  #indexOfLf(): number {
    let offset = 0;
    for (const chunk of this.#chunks) {
      const i = chunk.indexOf(0x0a);
      if (i >= 0) return offset + i;
      offset += chunk.length;
    }
    return -1;
  }

  /** Removes and returns the first n buffered bytes. */
  #take(n: number): Buffer {
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const chunk = this.#chunks[0]!;
      if (chunk.length <= need) {
        parts.push(chunk);
        this.#chunks.shift();
        need -= chunk.length;
      } else {
        parts.push(chunk.subarray(0, need));
        this.#chunks[0] = chunk.subarray(need);
        need = 0;
      }
    }
    this.#length -= n;
    if (this.#length <= this.#highWaterMark && this.#stream?.isPaused()) this.#stream.resume();
    return parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts, n);
  }

  #more(): Promise<void> {
    if (this.#stream?.isPaused()) this.#stream.resume();
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
