import { capitalizeFlag } from '../../maildir/maildir-name.js';
import type { LoadedMessage } from '../../maildir/message-cache.js';
import { bodyText, decodedHeaders } from '../../mime/body-text.js';
import { headerValue } from '../../mime/mime-tree.js';
import { resolveSet } from '../sequence-set.js';
import type { Criterion } from './search-parser.js';

/** One message as SEARCH sees it; the costly parts load only when a key needs them. */
export interface SearchTarget {
  readonly uid: number;
  readonly flags: readonly string[];
  readonly recent: boolean;
  size(): Promise<number>;
  internalDate(): Promise<Date>;
  message(): Promise<LoadedMessage | undefined>;
}

const DAY = 86_400_000;

/**
 * Evaluates a criterion. `uids` is the session's view (sequence numbers are
 * positions in it); sequence sets are resolved once per search.
 */
export class SearchEvaluator {
  readonly #uids: readonly number[];
  readonly #sets = new WeakMap<Criterion, Set<number>>();

  constructor(uids: readonly number[]) {
    this.#uids = uids;
  }

  async matches(c: Criterion, t: SearchTarget): Promise<boolean> {
    switch (c.op) {
      case 'all':
        return true;
      case 'flag': {
        const want = capitalizeFlag(c.flag).toLowerCase();
        return t.flags.some((f) => f.toLowerCase() === want) === c.set;
      }
      case 'new':
        return t.recent && !hasSeen(t);
      case 'old':
        return !t.recent;
      case 'recent':
        return t.recent;
      case 'not':
        return !(await this.matches(c.criterion, t));
      case 'or':
        return (await this.matches(c.left, t)) || (await this.matches(c.right, t));
      case 'and':
        for (const item of c.list) if (!(await this.matches(item, t))) return false;
        return true;
      case 'set':
        return this.#members(c).has(t.uid);
      case 'size': {
        const size = await t.size();
        return c.larger ? size > c.size : size < c.size;
      }
      case 'date':
        return this.#date(c, t);
      case 'header': {
        const message = await t.message();
        if (!message) return false;
        const headers = message.tree.headers;
        if (c.value === '') return headers.some((h) => h.key === c.field);
        return contains(decodedHeaders(headers, c.field), c.value);
      }
      case 'body':
      case 'text': {
        const message = await t.message();
        if (!message) return false;
        const text = bodyText(message.data, message.tree);
        if (contains(text, c.value)) return true;
        return c.op === 'text' && contains(decodedHeaders(message.tree.headers), c.value);
      }
    }
  }

  #members(c: Extract<Criterion, { op: 'set' }>): Set<number> {
    let members = this.#sets.get(c);
    if (!members) {
      members = new Set(resolveSet(c.set, this.#uids, c.uid));
      this.#sets.set(c, members);
    }
    return members;
  }

  async #date(c: Extract<Criterion, { op: 'date' }>, t: SearchTarget): Promise<boolean> {
    let time: number;
    if (c.sent) {
      const message = await t.message();
      const header = message ? headerValue(message.tree.headers, 'date') : undefined;
      // No or an unparsable Date: the epoch, as Dovecot does.
      time = header ? Date.parse(header.replace(/\s*\([^)]*\)\s*$/, '')) : 0;
      if (Number.isNaN(time)) time = 0;
    } else {
      time = (await t.internalDate()).getTime();
    }
    const day = Math.floor(time / DAY) * DAY;
    if (c.cmp === 'before') return day < c.day;
    if (c.cmp === 'on') return day === c.day;
    return day >= c.day;
  }
}

function hasSeen(t: SearchTarget): boolean {
  return t.flags.includes('\\Seen');
}

function contains(haystack: string, needle: string): boolean {
  return haystack.toLowerCase().includes(needle.toLowerCase());
}

/** Does the criterion need the message file (headers or body)? */
export function needsContent(c: Criterion): boolean {
  switch (c.op) {
    case 'header':
    case 'body':
    case 'text':
      return true;
    case 'date':
      return c.sent;
    case 'not':
      return needsContent(c.criterion);
    case 'or':
      return needsContent(c.left) || needsContent(c.right);
    case 'and':
      return c.list.some(needsContent);
    default:
      return false;
  }
}
