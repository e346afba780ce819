import { isAtom } from './chars.js';

/**
 * Turns one IMAP command (its text with the literals the framer collected)
 * into tag, command name and argument tokens. Atoms may contain a bracketed
 * section with spaces (`BODY.PEEK[HEADER.FIELDS (From To)]<0.100>`) and
 * stay one token, parsed further by FETCH.
 */
export type Token =
  | { readonly type: 'atom'; readonly value: string }
  | { readonly type: 'string'; readonly value: Buffer; readonly literal: boolean }
  | { readonly type: 'list'; readonly items: Token[] };

export type Segment = string | Buffer;

export interface ParsedCommand {
  readonly tag: string;
  /** Upper case; `UID FETCH` etc. for UID commands. */
  readonly name: string;
  readonly args: Token[];
}

export class ImapSyntaxError extends Error {
  readonly tag: string | undefined;
  constructor(message: string, tag?: string) {
    super(message);
    this.tag = tag;
  }
}

const MAX_DEPTH = 32;

/** Splits a command; `segments` alternate text and literal buffers (text first). */
export function parseCommand(segments: readonly Segment[]): ParsedCommand {
  const first = typeof segments[0] === 'string' ? segments[0] : '';
  const space = first.indexOf(' ');
  const tag = space < 0 ? '' : first.slice(0, space);
  if (!isAtom(tag) || tag.includes('+'))
    throw new ImapSyntaxError('Error in IMAP command: missing or invalid tag');
  const tokens = tokenize([first.slice(space + 1), ...segments.slice(1)], tag);
  const command = tokens.shift();
  if (command?.type !== 'atom') throw new ImapSyntaxError('Error in IMAP command: missing command name', tag);
  let name = command.value.toUpperCase();
  if (name === 'UID') {
    const sub = tokens.shift();
    if (sub?.type !== 'atom') throw new ImapSyntaxError('Error in IMAP command UID: missing command', tag);
    name = `UID ${sub.value.toUpperCase()}`;
  }
  return { tag, name, args: tokens };
}

export function tokenize(segments: readonly Segment[], tag?: string): Token[] {
  const root: Token[] = [];
  const stack: Token[][] = [root];
  const fail = (message: string) => new ImapSyntaxError(`Error in IMAP command: ${message}`, tag);
  for (const segment of segments) {
    const current = () => stack[stack.length - 1]!;
    if (typeof segment !== 'string') {
      current().push({ type: 'string', value: segment, literal: true });
      continue;
    }
    let i = 0;
    while (i < segment.length) {
      const c = segment[i]!;
      if (c === ' ') {
        i++;
      } else if (c === '(') {
        if (stack.length > MAX_DEPTH) throw fail('lists nested too deep');
        const items: Token[] = [];
        current().push({ type: 'list', items });
        stack.push(items);
        i++;
      } else if (c === ')') {
        if (stack.length === 1) throw fail('unexpected ")"');
        stack.pop();
        i++;
      } else if (c === '"') {
        let value = '';
        i++;
        while (i < segment.length && segment[i] !== '"') {
          if (segment[i] === '\\') i++;
          if (i < segment.length) value += segment[i++];
        }
        if (i >= segment.length) throw fail('unterminated quoted string');
        i++;
        current().push({ type: 'string', value: Buffer.from(value, 'utf8'), literal: false });
      } else {
        const start = i;
        let depth = 0;
        while (i < segment.length) {
          const d = segment[i]!;
          if (d === '[') depth++;
          else if (d === ']') depth = Math.max(0, depth - 1);
          else if (depth === 0 && (d === ' ' || d === '(' || d === ')' || d === '"')) break;
          i++;
        }
        if (depth > 0) throw fail('unterminated "["');
        current().push({ type: 'atom', value: segment.slice(start, i) });
      }
    }
  }
  if (stack.length > 1) throw fail('missing ")"');
  return root;
}

/** Reads arguments in order; every mismatch is a BAD reply naming what was expected. */
export class Args {
  readonly #tokens: Token[];
  readonly #command: string;
  #pos = 0;

  constructor(tokens: Token[], command: string) {
    this.#tokens = tokens;
    this.#command = command;
  }

  get remaining(): number {
    return this.#tokens.length - this.#pos;
  }

  peek(): Token | undefined {
    return this.#tokens[this.#pos];
  }

  next(what: string): Token {
    const token = this.#tokens[this.#pos++];
    if (!token) throw this.error(`missing ${what}`);
    return token;
  }

  atom(what: string): string {
    const token = this.next(what);
    if (token.type !== 'atom') throw this.error(`${what} must be an atom`);
    return token.value;
  }

  /** atom or string (astring), as UTF-8 text. */
  astring(what: string): string {
    const token = this.next(what);
    if (token.type === 'list') throw this.error(`${what} must be a string`);
    return token.type === 'atom' ? token.value : token.value.toString('utf8');
  }

  list(what: string): Token[] {
    const token = this.next(what);
    if (token.type !== 'list') throw this.error(`${what} must be a parenthesized list`);
    return token.items;
  }

  end(): void {
    if (this.remaining > 0) throw this.error('unexpected extra arguments');
  }

  error(message: string): ImapSyntaxError {
    return new ImapSyntaxError(`Error in IMAP command ${this.#command}: ${message}`);
  }
}

export function tokenText(token: Token): string {
  if (token.type === 'list') return `(${token.items.map(tokenText).join(' ')})`;
  return token.type === 'atom' ? token.value : token.value.toString('utf8');
}
