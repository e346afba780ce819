import { type SmtpReply, withEnhancedCode } from '../reply.js';

/** A backend sent something that is not an SMTP reply. */
export class ReplySyntaxError extends Error {}

const MAX_LINE = 4096;
const MAX_LINES = 200;
const LINE = /^([2-5]\d\d)(?:([ -])(.*))?$/;

/**
 * Cuts a backend's byte stream into replies (RFC 5321 §4.2: `250-…` lines
 * continue, `250 …` ends). Several replies may arrive in one chunk (pipelining,
 * LMTP's one reply per recipient), and a reply may span chunks.
 */
export class ReplyParser {
  #partial = '';
  #code = 0;
  #texts: string[] = [];

  /** The complete replies in `chunk` (and what was buffered before it). Throws ReplySyntaxError. */
  push(chunk: Buffer): SmtpReply[] {
    const out: SmtpReply[] = [];
    let text = this.#partial + chunk.toString('utf8');
    let start = 0;
    for (;;) {
      const lf = text.indexOf('\n', start);
      if (lf < 0) break;
      const end = lf > start && text.charCodeAt(lf - 1) === 13 ? lf - 1 : lf;
      const done = this.#line(text.slice(start, end));
      if (done !== undefined) out.push(done);
      start = lf + 1;
    }
    text = text.slice(start);
    if (text.length > MAX_LINE) throw new ReplySyntaxError('reply line too long');
    this.#partial = text;
    return out;
  }

  /** True while part of a reply is buffered. */
  get pending(): boolean {
    return this.#partial.length > 0 || this.#texts.length > 0;
  }

  #line(line: string): SmtpReply | undefined {
    const m = LINE.exec(line);
    if (m === null) throw new ReplySyntaxError(`not an SMTP reply: ${JSON.stringify(line.slice(0, 80))}`);
    const code = Number(m[1]);
    if (this.#texts.length > 0 && code !== this.#code)
      throw new ReplySyntaxError('reply code changed within a reply');
    if (this.#texts.length >= MAX_LINES) throw new ReplySyntaxError('reply has too many lines');
    this.#code = code;
    this.#texts.push(m[3] ?? '');
    if (m[2] === '-') return undefined;
    const texts = this.#texts;
    this.#texts = [];
    return withEnhancedCode(code, texts);
  }
}
