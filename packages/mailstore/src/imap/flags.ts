import { capitalizeFlag, FLAG_LETTERS } from '../maildir/maildir-name.js';
import { isAtom } from './chars.js';
import { ImapSyntaxError, type Token } from './parser.js';

/**
 * Flags from a client (APPEND, STORE): system flags in canonical case,
 * keywords as atoms. \Recent cannot be set by a client and is dropped.
 */
export function parseFlags(tokens: readonly Token[], command: string): string[] {
  const flags: string[] = [];
  for (const token of tokens) {
    if (token.type !== 'atom')
      throw new ImapSyntaxError(`Error in IMAP command ${command}: flags must be atoms`);
    const flag = capitalizeFlag(token.value);
    if (flag === '\\Recent') continue;
    if (flag.startsWith('\\') && FLAG_LETTERS[flag] === undefined) {
      throw new ImapSyntaxError(
        `Error in IMAP command ${command}: invalid system flag ${token.value.slice(0, 30)}`,
      );
    }
    if (!isAtom(flag.replace(/^\\/, ''))) {
      throw new ImapSyntaxError(`Error in IMAP command ${command}: invalid flag`);
    }
    flags.push(flag);
  }
  return flags;
}
