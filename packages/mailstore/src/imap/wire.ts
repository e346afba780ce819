import { isAtom, isQuotable } from './chars.js';

/**
 * Building IMAP responses: text plus literals. A string that is plain 7-bit
 * text goes as a quoted string; anything else (8-bit, CR, LF, long) as a
 * literal, which any client reads.
 */
export type Chunk = string | Buffer;

export class ImapOut {
  readonly chunks: Chunk[] = [];
  #text = '';

  /** Protocol text as is (already valid IMAP syntax). */
  raw(text: string): this {
    this.#text += text;
    return this;
  }

  /** A string: quoted when possible, else a literal. */
  string(value: string | Buffer): this {
    if (typeof value === 'string' && value.length < 1024 && isQuotable(value)) {
      this.#text += `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
      return this;
    }
    return this.literal(typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
  }

  /** NIL or a string. */
  nstring(value: string | Buffer | undefined | null): this {
    return value === undefined || value === null ? this.raw('NIL') : this.string(value);
  }

  /** An atom when the value is one (mailbox names in LIST), else a string. */
  astring(value: string): this {
    return isAtom(value) && value.toUpperCase() !== 'NIL' ? this.raw(value) : this.string(value);
  }

  literal(data: Buffer): this {
    this.#text += `{${data.length}}\r\n`;
    this.#flush();
    this.chunks.push(data);
    return this;
  }

  toBuffer(): Buffer {
    this.#flush();
    return Buffer.concat(this.chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
  }

  #flush(): void {
    if (this.#text) this.chunks.push(this.#text);
    this.#text = '';
  }
}

/** Quoted-string form of a short 7-bit value, for response text built as plain strings. */
export function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** IMAP date-time: "17-Jul-1996 02:44:25 -0700" (in UTC here). */
export function formatInternalDate(date: Date): string {
  const d = date;
  const day = String(d.getUTCDate()).padStart(2, '0');
  const month = MONTHS[d.getUTCMonth()];
  const time = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
  return `"${day}-${month}-${d.getUTCFullYear()} ${time} +0000"`;
}

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
