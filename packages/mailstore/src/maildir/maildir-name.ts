import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Maildir file names: `<base>:2,<flags>` where base is unique forever and
 * flags are ASCII-sorted letters (D F P R S T, keywords a-z). Base names carry
 * Dovecot's `,S=<size>,W=<crlf size>` so sizes need no stat() or read.
 */

/** Maildir flag letter for each IMAP system flag. */
export const FLAG_LETTERS: Readonly<Record<string, string>> = {
  '\\Draft': 'D',
  '\\Flagged': 'F',
  '\\Answered': 'R',
  '\\Seen': 'S',
  '\\Deleted': 'T',
};

const LETTER_FLAGS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(FLAG_LETTERS).map(([flag, letter]) => [letter, flag]),
);

/** The IMAP system flags a Maildir can keep, in PERMANENTFLAGS order. */
export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'] as const;

export interface MaildirName {
  /** The unique part, before `:`. */
  readonly base: string;
  /** Flag letters after `:2,`, sorted; '' when none (or no info part). */
  readonly letters: string;
  /** S= from the name: the file's size, when recorded. */
  readonly size?: number | undefined;
  /** W= from the name: the size with CRLF line ends (RFC822.SIZE), when recorded. */
  readonly crlfSize?: number | undefined;
}

let counter = 0;
const host = sanitizeHost(hostname());

/** `/` and `:` may not appear in a base name (the Maildir spec's octal escapes). */
function sanitizeHost(name: string): string {
  return name.replace(/\//g, '\\057').replace(/:/g, '\\072');
}

/**
 * A new unique base name: seconds, microseconds, pid, a per-process counter
 * and random bits (several nodes may share one process and one host name).
 */
export function newBaseName(size: number, crlfSize: number, now = Date.now()): string {
  const sec = Math.floor(now / 1000);
  const usec = (now % 1000) * 1000 + Math.floor(Math.random() * 1000);
  counter = (counter + 1) % 0x100000000;
  const unique = `M${usec}P${process.pid}Q${counter}R${randomBytes(4).toString('hex')}`;
  return `${sec}.${unique}.${host},S=${size},W=${crlfSize}`;
}

/** Splits a file name into base, flags and recorded sizes. */
export function parseMaildirName(filename: string): MaildirName {
  const colon = filename.indexOf(':');
  const base = colon < 0 ? filename : filename.slice(0, colon);
  let letters = '';
  if (colon >= 0 && filename.startsWith(':2,', colon)) {
    const info = filename.slice(colon + 3);
    // Dovecot: anything after a comma in the flags field is not flags.
    const comma = info.indexOf(',');
    letters = normalizeLetters(comma < 0 ? info : info.slice(0, comma));
  }
  const size = /,S=(\d+)/.exec(base)?.[1];
  const crlfSize = /,W=(\d+)/.exec(base)?.[1];
  return {
    base,
    letters,
    size: size === undefined ? undefined : Number(size),
    crlfSize: crlfSize === undefined ? undefined : Number(crlfSize),
  };
}

/** Sorted, de-duplicated flag letters. */
export function normalizeLetters(letters: string): string {
  return [...new Set(letters)].sort().join('');
}

/** The file name for base + flags (always with an info part: cur/ names). */
export function formatMaildirName(base: string, letters: string): string {
  return `${base}:2,${normalizeLetters(letters)}`;
}

/**
 * IMAP flags to letters. System flags map to upper-case letters; keywords
 * map through `keywordLetter` (Dovecot's dovecot-keywords index) when given.
 */
export function flagsToLetters(
  flags: Iterable<string>,
  keywordLetter?: (keyword: string) => string | undefined,
): string {
  let letters = '';
  for (const flag of flags) {
    const system = FLAG_LETTERS[capitalizeFlag(flag)];
    if (system !== undefined) letters += system;
    else if (!flag.startsWith('\\') && keywordLetter) letters += keywordLetter(flag) ?? '';
  }
  return normalizeLetters(letters);
}

/** Letters to IMAP flags (`P` = passed has no IMAP flag; lower case via `letterKeyword`). */
export function lettersToFlags(
  letters: string,
  letterKeyword?: (letter: string) => string | undefined,
): string[] {
  const flags: string[] = [];
  for (const letter of letters) {
    const system = LETTER_FLAGS[letter];
    if (system !== undefined) flags.push(system);
    else if (letter >= 'a' && letter <= 'z' && letterKeyword) {
      const keyword = letterKeyword(letter);
      if (keyword !== undefined) flags.push(keyword);
    }
  }
  return flags;
}

/** `\seen` → `\Seen` (flags are case-insensitive in IMAP). */
export function capitalizeFlag(flag: string): string {
  if (!flag.startsWith('\\')) return flag;
  const lower = flag.toLowerCase();
  return `\\${lower.charAt(1).toUpperCase()}${lower.slice(2)}`;
}
