import { keywordLetter, MAX_KEYWORDS } from './keywords.js';
import type { MaildirFile, MaildirSub } from './maildir.js';
import { normalizeLetters, parseMaildirName } from './maildir-name.js';

/** One message of a folder as the last sync saw it. */
export interface MessageEntry {
  readonly uid: number;
  readonly base: string;
  readonly sub: MaildirSub;
  readonly filename: string;
  /** Maildir flag letters, sorted. */
  readonly letters: string;
  /** File size (S= in the name) when known. */
  readonly size: number | undefined;
  /** Size with CRLF line ends (W=), i.e. RFC822.SIZE, when known. */
  readonly crlfSize: number | undefined;
}

/** STORE FLAGS / +FLAGS / -FLAGS. */
export type StoreMode = 'set' | 'add' | 'remove';

export function toEntry(uid: number, file: MaildirFile): MessageEntry {
  const name = parseMaildirName(file.filename);
  return {
    uid,
    base: name.base,
    sub: file.sub,
    filename: file.filename,
    letters: name.letters,
    size: name.size,
    crlfSize: name.crlfSize,
  };
}

/** New flag letters after a STORE. */
export function applyMode(current: string, mode: StoreMode, letters: string): string {
  if (mode === 'add') return normalizeLetters(current + letters);
  if (mode === 'remove') return [...current].filter((l) => !letters.includes(l)).join('');
  // FLAGS replaces what IMAP can see; P (passed) has no IMAP flag and stays.
  return normalizeLetters(letters + (current.includes('P') ? 'P' : ''));
}

/** Gives keywords without a letter the first free one (26 at most; the rest are not stored). */
export function addKeywords(
  keywords: readonly (string | undefined)[],
  add: readonly string[],
): (string | undefined)[] {
  const out = [...keywords];
  for (const keyword of add) {
    if (keywordLetter(out, keyword) !== undefined) continue;
    const free = out.indexOf(undefined);
    const index = free >= 0 ? free : out.length;
    if (index >= MAX_KEYWORDS) break; // no letter left: the keyword is not stored
    out[index] = keyword;
  }
  return out;
}
