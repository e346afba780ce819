import { describe, expect, it } from 'vitest';
import { ImapSyntaxError, tokenize } from '../src/imap/parser.js';
import { needsContent, SearchEvaluator, type SearchTarget } from '../src/imap/search/search-eval.js';
import { BadCharsetError, parseSearch } from '../src/imap/search/search-parser.js';
import { LoadedMessage } from '../src/maildir/message-cache.js';
import { FORWARD, MULTIPART, PLAIN } from './fixtures.js';

interface Fixture {
  uid: number;
  flags: string[];
  recent?: boolean;
  message: string;
  date: string;
}

const MESSAGES: Fixture[] = [
  { uid: 4, flags: ['\\Seen'], message: MULTIPART, date: '2024-03-01T10:00:00Z' },
  { uid: 7, flags: ['\\Flagged', '$Junk'], recent: true, message: FORWARD, date: '2024-03-02T23:59:59Z' },
  { uid: 9, flags: ['\\Seen', '\\Deleted'], message: PLAIN, date: '2024-03-05T00:00:00Z' },
];

async function search(program: string): Promise<number[]> {
  const criterion = parseSearch(tokenize([program]));
  const evaluator = new SearchEvaluator(MESSAGES.map((m) => m.uid));
  const found: number[] = [];
  for (const m of MESSAGES) {
    const loaded = new LoadedMessage(Buffer.from(m.message));
    const target: SearchTarget = {
      uid: m.uid,
      flags: m.flags,
      recent: m.recent ?? false,
      size: async () => loaded.data.length,
      internalDate: async () => new Date(m.date),
      message: async () => loaded,
    };
    if (await evaluator.matches(criterion, target)) found.push(m.uid);
  }
  return found;
}

describe('SEARCH', () => {
  it('matches flags, their negations and keywords', async () => {
    expect(await search('SEEN')).toEqual([4, 9]);
    expect(await search('UNSEEN')).toEqual([7]);
    expect(await search('DELETED')).toEqual([9]);
    expect(await search('KEYWORD $junk')).toEqual([7]);
    expect(await search('NEW')).toEqual([7]);
    expect(await search('OLD')).toEqual([4, 9]);
  });

  it('combines with AND, OR, NOT and parentheses', async () => {
    expect(await search('SEEN NOT DELETED')).toEqual([4]);
    expect(await search('OR FLAGGED DELETED')).toEqual([7, 9]);
    expect(await search('(OR FLAGGED DELETED) UNSEEN')).toEqual([7]);
  });

  it('matches headers (decoded), bodies and text', async () => {
    expect(await search('SUBJECT "grüße"')).toEqual([4]);
    expect(await search('FROM doe')).toEqual([4]);
    expect(await search('TO bob')).toEqual([4]);
    expect(await search('HEADER Message-ID multi')).toEqual([4]);
    expect(await search('NOT HEADER Message-ID ""')).toEqual([7, 9]);
    expect(await search('BODY café')).toEqual([4]);
    expect(await search('BODY dave')).toEqual([7]); // encapsulated message headers are body text
    expect(await search('TEXT "line two"')).toEqual([9]);
    expect(await search('TEXT plain')).toEqual([7, 9]); // headers count for TEXT
  });

  it('compares dates by day and sizes in bytes', async () => {
    expect(await search('SINCE 2-Mar-2024')).toEqual([7, 9]);
    expect(await search('ON 2-Mar-2024')).toEqual([7]);
    expect(await search('BEFORE 2-Mar-2024')).toEqual([4]);
    expect(await search('SENTBEFORE 1-Jan-1995')).toEqual([4, 7, 9]); // no Date header counts as the epoch
    expect(await search('SENTON 15-Nov-1994')).toEqual([4]);
    expect(await search('LARGER 500')).toEqual([4]);
    expect(await search('SMALLER 100')).toEqual([9]);
  });

  it('matches sequence numbers and UID sets', async () => {
    expect(await search('2:*')).toEqual([7, 9]);
    expect(await search('UID 5:8')).toEqual([7]);
    expect(await search('UID 8:*')).toEqual([9]);
  });

  it('refuses unknown keys and charsets', () => {
    expect(() => parseSearch(tokenize(['FROBNICATE']))).toThrow(ImapSyntaxError);
    expect(() => parseSearch(tokenize(['SINCE yesterday']))).toThrow(/invalid date/);
    expect(() => parseSearch(tokenize(['CHARSET KOI8-R ALL']))).toThrow(BadCharsetError);
    expect(parseSearch(tokenize(['CHARSET utf-8 ALL']))).toEqual({ op: 'all' });
  });

  it('knows when message contents are needed', () => {
    expect(needsContent(parseSearch(tokenize(['SEEN UID 1:*'])))).toBe(false);
    expect(needsContent(parseSearch(tokenize(['OR SEEN SUBJECT x'])))).toBe(true);
  });
});
