import { ImapSyntaxError, type Token } from '../parser.js';
import { isSequenceSet, parseSequenceSet, type SequenceSet } from '../sequence-set.js';

/** A SEARCH program (RFC 3501 6.4.4), parsed before any message is looked at. */
export type Criterion =
  | { readonly op: 'all' }
  | { readonly op: 'flag'; readonly flag: string; readonly set: boolean }
  | { readonly op: 'new' | 'old' | 'recent' }
  | { readonly op: 'not'; readonly criterion: Criterion }
  | { readonly op: 'or'; readonly left: Criterion; readonly right: Criterion }
  | { readonly op: 'and'; readonly list: readonly Criterion[] }
  | { readonly op: 'header'; readonly field: string; readonly value: string }
  | { readonly op: 'body' | 'text'; readonly value: string }
  | {
      readonly op: 'date';
      readonly sent: boolean;
      readonly cmp: 'before' | 'on' | 'since';
      readonly day: number;
    }
  | { readonly op: 'size'; readonly larger: boolean; readonly size: number }
  | { readonly op: 'set'; readonly uid: boolean; readonly set: SequenceSet };

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};

const HEADER_KEYS: Record<string, string> = {
  FROM: 'from',
  TO: 'to',
  CC: 'cc',
  BCC: 'bcc',
  SUBJECT: 'subject',
};
const DATE_KEYS: Record<string, [boolean, 'before' | 'on' | 'since']> = {
  BEFORE: [false, 'before'],
  ON: [false, 'on'],
  SINCE: [false, 'since'],
  SENTBEFORE: [true, 'before'],
  SENTON: [true, 'on'],
  SENTSINCE: [true, 'since'],
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

export const SUPPORTED_CHARSETS = ['US-ASCII', 'UTF-8'];

export class BadCharsetError extends Error {}

/** Parses the arguments of SEARCH (after an optional CHARSET) into one AND criterion. */
export function parseSearch(tokens: readonly Token[]): Criterion {
  let pos = 0;
  const first = tokens[0];
  if (first?.type === 'atom' && first.value.toUpperCase() === 'CHARSET') {
    const charset = tokens[1];
    const name =
      charset?.type === 'atom' ? charset.value : charset?.type === 'string' ? charset.value.toString() : '';
    if (!SUPPORTED_CHARSETS.includes(name.toUpperCase())) throw new BadCharsetError(name);
    pos = 2;
  }
  const list: Criterion[] = [];
  const next = (): Criterion => {
    const token = tokens[pos++];
    if (!token) throw bad('missing search key');
    return parseKey(token, () => tokens[pos++]);
  };
  while (pos < tokens.length) list.push(next());
  if (list.length === 0) throw bad('missing search key');
  return list.length === 1 ? list[0]! : { op: 'and', list };
}

function bad(message: string): ImapSyntaxError {
  return new ImapSyntaxError(`Error in IMAP command SEARCH: ${message}`);
}

function parseKey(token: Token, take: () => Token | undefined): Criterion {
  if (token.type === 'list') {
    let i = 0;
    const list: Criterion[] = [];
    const inner = () => token.items[i++];
    while (i < token.items.length) list.push(parseKey(inner()!, inner));
    if (list.length === 0) throw bad('empty parenthesized key');
    return list.length === 1 ? list[0]! : { op: 'and', list };
  }
  if (token.type === 'string') throw bad('a search key cannot be a string');
  const key = token.value.toUpperCase();
  const argString = (what: string): string => {
    const t = take();
    if (!t || t.type === 'list') throw bad(`${key} needs ${what}`);
    return t.type === 'atom' ? t.value : t.value.toString('utf8');
  };
  const sub = (): Criterion => {
    const t = take();
    if (!t) throw bad(`${key} needs a search key`);
    return parseKey(t, take);
  };
  if (FLAG_KEYS[key]) return { op: 'flag', flag: FLAG_KEYS[key][0], set: FLAG_KEYS[key][1] };
  if (HEADER_KEYS[key]) return { op: 'header', field: HEADER_KEYS[key], value: argString('a string') };
  if (DATE_KEYS[key])
    return {
      op: 'date',
      sent: DATE_KEYS[key][0],
      cmp: DATE_KEYS[key][1],
      day: parseDate(argString('a date')),
    };
  switch (key) {
    case 'ALL':
      return { op: 'all' };
    case 'NEW':
    case 'OLD':
    case 'RECENT':
      return { op: key.toLowerCase() as 'new' };
    case 'KEYWORD':
    case 'UNKEYWORD':
      return { op: 'flag', flag: argString('a keyword'), set: key === 'KEYWORD' };
    case 'NOT':
      return { op: 'not', criterion: sub() };
    case 'OR':
      return { op: 'or', left: sub(), right: sub() };
    case 'HEADER':
      return { op: 'header', field: argString('a field name').toLowerCase(), value: argString('a string') };
    case 'BODY':
    case 'TEXT':
      return { op: key.toLowerCase() as 'body', value: argString('a string') };
    case 'LARGER':
    case 'SMALLER': {
      const size = Number(argString('a number'));
      if (!Number.isInteger(size) || size < 0) throw bad(`${key} needs a number`);
      return { op: 'size', larger: key === 'LARGER', size };
    }
    case 'UID':
      return { op: 'set', uid: true, set: parseSequenceSet(argString('a UID set')) };
    default:
      if (isSequenceSet(token.value)) return { op: 'set', uid: false, set: parseSequenceSet(token.value) };
      throw bad(`unknown search key "${token.value.slice(0, 30)}"`);
  }
}

/** `1-Feb-1994` → that day at 00:00 UTC, in ms. */
export function parseDate(text: string): number {
  const match = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  const month = match ? MONTHS.indexOf(match[2]!.toLowerCase()) : -1;
  if (!match || month < 0) throw bad(`invalid date "${text.slice(0, 20)}"`);
  return Date.UTC(Number(match[3]), month, Number(match[1]));
}
