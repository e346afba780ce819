import { LdifSyntaxError } from './errors.js';
import type { RawAttributes } from './internal/entry.js';

export interface LdifEntry {
  readonly dn: string;
  /** 1-based line of the `dn:` line. */
  readonly line: number;
  /** Values by lower-cased attribute description (options kept: `usercertificate;binary`). */
  readonly attributes: RawAttributes;
}

interface Line {
  readonly text: string;
  readonly number: number;
}

/**
 * Parses LDIF content records (RFC 2849): `version: 1`, comments,
 * continuation lines (a leading space), `attr:: base64` values (decoded as
 * UTF-8), entries separated by blank lines, `changetype: add` tolerated.
 * URL values (`attr:< file://…`) and other change records are refused.
 * Throws LdifSyntaxError naming the line.
 */
export function parseLdif(text: string, source = 'LDIF'): LdifEntry[] {
  const entries: LdifEntry[] = [];
  for (const record of records(unfold(text))) {
    const entry = parseRecord(record, source);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** Joins continuation lines and drops comments, keeping each logical line's first line number. */
function unfold(text: string): Line[] {
  const lines: Line[] = [];
  let inComment = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.startsWith(' ') && (lines.length > 0 || inComment)) {
      if (!inComment) {
        const last = lines.pop()!;
        lines.push({ text: last.text + raw.slice(1), number: last.number });
      }
      return;
    }
    inComment = raw.startsWith('#');
    if (!inComment) lines.push({ text: raw, number: i + 1 });
  });
  return lines;
}

/** Splits logical lines into records at blank lines. */
function records(lines: Line[]): Line[][] {
  const out: Line[][] = [];
  let current: Line[] = [];
  for (const line of lines) {
    if (line.text.trim() === '') {
      if (current.length > 0) out.push(current);
      current = [];
    } else {
      current.push(line);
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

function parseRecord(record: Line[], source: string): LdifEntry | undefined {
  let [first, ...rest] = record;
  let pair = parseLine(first!, source);
  if (pair.name === 'version') {
    if (pair.value !== '1')
      throw new LdifSyntaxError(first!.number, `unsupported LDIF version "${pair.value}"`, source);
    if (rest.length === 0) return undefined;
    [first, ...rest] = rest;
    pair = parseLine(first!, source);
  }
  if (pair.name !== 'dn')
    throw new LdifSyntaxError(first!.number, 'expected "dn:" to start an entry', source);
  const attributes: RawAttributes = {};
  for (const line of rest) {
    const { name, value } = parseLine(line, source);
    if (name === 'changetype') {
      if (value.toLowerCase() !== 'add') {
        throw new LdifSyntaxError(
          line.number,
          `change records ("changetype: ${value}") are not supported`,
          source,
        );
      }
      continue;
    }
    if (name === 'dn')
      throw new LdifSyntaxError(line.number, 'missing blank line before the next "dn:"', source);
    (attributes[name] ??= []).push(value);
  }
  return { dn: pair.value, line: first!.number, attributes };
}

const ATTRIBUTE = /^([A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)((?:;[A-Za-z0-9-]+)*)$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function parseLine(line: Line, source: string): { name: string; value: string } {
  const colon = line.text.indexOf(':');
  if (colon <= 0) throw new LdifSyntaxError(line.number, 'expected "attribute: value"', source);
  const name = line.text.slice(0, colon);
  if (!ATTRIBUTE.test(name))
    throw new LdifSyntaxError(line.number, `invalid attribute name "${name}"`, source);
  const rest = line.text.slice(colon + 1);
  if (rest.startsWith(':')) {
    const b64 = rest.slice(1).trim();
    if (!BASE64.test(b64) || b64.length % 4 !== 0) {
      throw new LdifSyntaxError(line.number, `invalid base64 value of "${name}"`, source);
    }
    return { name: name.toLowerCase(), value: Buffer.from(b64, 'base64').toString('utf8') };
  }
  if (rest.startsWith('<')) {
    throw new LdifSyntaxError(line.number, `URL values ("${name}:<") are not supported`, source);
  }
  return { name: name.toLowerCase(), value: rest.replace(/^ +/, '') };
}
