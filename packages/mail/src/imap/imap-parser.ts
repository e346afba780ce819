/**
 * Parser for the IMAP commands lvs7 answers before login: tag, command name
 * and arguments (atoms, NIL, quoted strings, literals, parenthesized lists).
 * A command arrives as text lines with literals between them; `literalMarker`
 * tells the session that a line ends in `{n}` (synchronizing) or `{n+}`
 * (LITERAL+, RFC 7888) so it reads n bytes before the next line.
 */

export type ImapValue =
  | { readonly type: 'atom'; readonly value: string }
  | { readonly type: 'string'; readonly value: Buffer; readonly literal: boolean }
  | { readonly type: 'nil' }
  | { readonly type: 'list'; readonly items: readonly ImapValue[] };

export interface ImapCommand {
  readonly tag: string;
  /** Upper-cased. */
  readonly name: string;
  readonly args: readonly ImapValue[];
}

/** One piece of a command: a line (CRLF and literal marker removed) or a literal's bytes. */
export type ImapSegment =
  | { readonly kind: 'text'; readonly bytes: Buffer }
  | { readonly kind: 'literal'; readonly bytes: Buffer };

export interface LiteralMarker {
  /** The line without the `{n}` / `{n+}` marker. */
  readonly text: Buffer;
  readonly size: number;
  /** `{n}`: the client waits for a `+` continuation; `{n+}` (LITERAL+): it does not. */
  readonly sync: boolean;
}

/** Thrown for unparseable commands; `tag` is `*` when even the tag is unusable. */
export class ImapParseError extends Error {
  readonly tag: string;
  constructor(tag: string, message: string) {
    super(message);
    this.tag = tag;
  }
}

const MARKER = /\{(\d{1,10})(\+?)\}$/;

/** The literal a line announces at its end, if any. */
export function literalMarker(line: Buffer): LiteralMarker | undefined {
  if (line.length < 3 || line[line.length - 1] !== 0x7d /* } */) return undefined;
  const tail = line.subarray(Math.max(0, line.length - 14)).toString('latin1');
  const m = MARKER.exec(tail);
  if (!m) return undefined;
  return { text: line.subarray(0, line.length - m[0].length), size: Number(m[1]), sync: m[2] !== '+' };
}

// Literal positions in the joined text: NUL never appears in a valid IMAP line (rejected below).
const LITERAL = '\u0000';
const ATOM_END = new Set([' ', '(', ')', '{', '"', '\\', LITERAL]);

class Tokenizer {
  readonly #text: string;
  readonly #literals: readonly Buffer[];
  readonly tag: string;
  #pos = 0;
  #literal = 0;

  constructor(text: string, literals: readonly Buffer[], tag: string) {
    this.#text = text;
    this.#literals = literals;
    this.tag = tag;
  }

  get done(): boolean {
    return this.#pos >= this.#text.length;
  }

  fail(message: string): never {
    throw new ImapParseError(this.tag, message);
  }

  skipSpace(): void {
    if (this.#text[this.#pos] !== ' ') this.fail('expected a space');
    while (this.#text[this.#pos] === ' ') this.#pos++;
  }

  atom(): string {
    const start = this.#pos;
    while (this.#pos < this.#text.length) {
      const ch = this.#text[this.#pos]!;
      if (ATOM_END.has(ch) || ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) break;
      this.#pos++;
    }
    if (this.#pos === start) this.fail('expected an atom');
    return this.#text.slice(start, this.#pos);
  }

  value(depth = 0): ImapValue {
    const ch = this.#text[this.#pos];
    if (ch === '"') return this.#quoted();
    if (ch === LITERAL) {
      this.#pos++;
      const bytes = this.#literals[this.#literal++];
      if (bytes === undefined) this.fail('missing literal');
      return { type: 'string', value: bytes, literal: true };
    }
    if (ch === '(') return this.#list(depth);
    const atom = this.atom();
    return atom.toUpperCase() === 'NIL' ? { type: 'nil' } : { type: 'atom', value: atom };
  }

  #quoted(): ImapValue {
    this.#pos++;
    let out = '';
    for (;;) {
      const ch = this.#text[this.#pos++];
      if (ch === undefined) this.fail('unterminated quoted string');
      if (ch === '"') break;
      if (ch === '\\') {
        const next = this.#text[this.#pos++];
        if (next !== '"' && next !== '\\') this.fail('bad escape in quoted string');
        out += next;
      } else if (ch === LITERAL) this.fail('literal inside a quoted string');
      else out += ch;
    }
    return { type: 'string', value: Buffer.from(out, 'latin1'), literal: false };
  }

  #list(depth: number): ImapValue {
    if (depth > 8) this.fail('lists nested too deeply');
    this.#pos++;
    const items: ImapValue[] = [];
    while (this.#text[this.#pos] !== ')') {
      if (this.done) this.fail('unterminated list');
      if (items.length > 0) this.skipSpace();
      items.push(this.value(depth + 1));
    }
    this.#pos++;
    return { type: 'list', items };
  }
}

/** Parses a complete command (its lines and literals, in order). */
export function parseImapCommand(segments: readonly ImapSegment[]): ImapCommand {
  const parts: string[] = [];
  const literals: Buffer[] = [];
  for (const segment of segments) {
    if (segment.kind === 'literal') {
      literals.push(segment.bytes);
      parts.push(LITERAL);
    } else {
      if (segment.bytes.includes(0)) throw new ImapParseError('*', 'NUL in command');
      parts.push(segment.bytes.toString('latin1'));
    }
  }
  const text = parts.join('');
  const tagEnd = text.indexOf(' ');
  const tag = tagEnd < 0 ? text : text.slice(0, tagEnd);
  if (!/^[\x21-\x7e]+$/.test(tag) || /[(){%*"\\+]/.test(tag)) throw new ImapParseError('*', 'invalid tag');
  if (tagEnd < 0) throw new ImapParseError(tag, 'missing command');
  const tokens = new Tokenizer(text.slice(tagEnd + 1), literals, tag);
  const name = tokens.atom().toUpperCase();
  const args: ImapValue[] = [];
  while (!tokens.done) {
    tokens.skipSpace();
    if (tokens.done) break;
    args.push(tokens.value());
  }
  return { tag, name, args };
}

/** An astring argument's bytes (atom or string), else undefined. */
export function astring(value: ImapValue | undefined): Buffer | undefined {
  if (value?.type === 'atom') return Buffer.from(value.value, 'latin1');
  if (value?.type === 'string') return value.value;
  return undefined;
}

/** Quotes a string for an IMAP command, or returns undefined when it needs a literal. */
export function quoteImap(bytes: Buffer): string | undefined {
  for (const b of bytes) if (b === 0x0d || b === 0x0a || b === 0 || b > 0x7e) return undefined;
  return `"${bytes.toString('latin1').replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
