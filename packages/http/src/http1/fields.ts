import { MalformedRequestError } from '../errors.js';
import { FIELD_VALUE, TOKEN } from './chars.js';

/**
 * Header fields as parallel arrays (name as received, lower-cased name,
 * value): cheaper than a Map or object per message, keeps order and
 * duplicates, and lets us re-emit names with their original case.
 */
export class Fields {
  names: string[] = [];
  lower: string[] = [];
  values: string[] = [];

  get length(): number {
    return this.names.length;
  }

  /** First value of a field (lower-case name), or undefined. */
  get(lowerName: string): string | undefined {
    const lower = this.lower;
    for (let i = 0; i < lower.length; i++) if (lower[i] === lowerName) return this.values[i];
    return undefined;
  }

  has(lowerName: string): boolean {
    return this.lower.includes(lowerName);
  }
}

/**
 * Parses the field lines of a head held in `s` (latin1) from `pos` up to the
 * empty line at `end` (each line ends with CRLF). Strict: a name must be a
 * token directly followed by ':' (no space, no obs-fold), a value only field
 * characters — so bare CR, bare LF and NUL are rejected. Throws
 * MalformedRequestError; callers parsing responses map it to 502.
 */
export function parseFields(s: string, pos: number, end: number, maxFields: number, out: Fields): void {
  const { names, lower, values } = out;
  while (pos < end) {
    const lineEnd = s.indexOf('\r\n', pos);
    let i = pos;
    while (i < lineEnd && TOKEN[s.charCodeAt(i)] === 1) i++;
    if (i === pos || i === lineEnd || s.charCodeAt(i) !== 0x3a) {
      throw new MalformedRequestError('LVS7_HTTP_INVALID_HEADER', 'invalid header field name');
    }
    let vs = i + 1;
    let ve = lineEnd;
    let c = s.charCodeAt(vs);
    while (vs < ve && (c === 0x20 || c === 0x09)) c = s.charCodeAt(++vs);
    c = s.charCodeAt(ve - 1);
    while (ve > vs && (c === 0x20 || c === 0x09)) c = s.charCodeAt(--ve - 1);
    for (let j = vs; j < ve; j++) {
      if (FIELD_VALUE[s.charCodeAt(j)] !== 1) {
        throw new MalformedRequestError('LVS7_HTTP_INVALID_HEADER', 'invalid byte in header field value');
      }
    }
    if (names.length >= maxFields) {
      throw new MalformedRequestError('LVS7_HTTP_HEADERS_TOO_LARGE', 'too many header fields');
    }
    const name = s.slice(pos, i);
    names.push(name);
    lower.push(name.toLowerCase());
    values.push(s.slice(vs, ve));
    pos = lineEnd + 2;
  }
}

/**
 * Splits a comma-separated list field into lower-cased, trimmed tokens,
 * skipping empty elements (RFC 9110 §5.6.1).
 */
export function listTokens(value: string, into: string[]): void {
  let start = 0;
  for (;;) {
    const comma = value.indexOf(',', start);
    const item = value
      .slice(start, comma < 0 ? value.length : comma)
      .trim()
      .toLowerCase();
    if (item.length > 0) into.push(item);
    if (comma < 0) return;
    start = comma + 1;
  }
}

/** 1*DIGIT as a safe integer, or -1. */
export function parseDecimal(value: string): number {
  const n = value.length;
  if (n === 0 || n > 15) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}
