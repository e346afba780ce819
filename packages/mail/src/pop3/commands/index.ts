import { auth } from './auth.js';
import { capa } from './capa.js';
import { noop } from './noop.js';
import { pass } from './pass.js';
import { quit } from './quit.js';
import { stls } from './stls.js';
import type { Pop3CommandHandler } from './types.js';
import { user } from './user.js';

export type { Pop3CommandHandler } from './types.js';

/** The commands lvs7 answers in the AUTHORIZATION state, by upper-cased keyword. */
export const POP3_COMMANDS: ReadonlyMap<string, Pop3CommandHandler> = new Map([
  ['CAPA', capa],
  ['USER', user],
  ['PASS', pass],
  ['AUTH', auth],
  ['STLS', stls],
  ['QUIT', quit],
  ['NOOP', noop],
]);

/** Commands of the TRANSACTION state: "log in first" rather than "unknown command". */
export const TRANSACTION_COMMANDS: ReadonlySet<string> = new Set([
  'STAT',
  'LIST',
  'RETR',
  'DELE',
  'RSET',
  'TOP',
  'UIDL',
  'LAST',
]);
