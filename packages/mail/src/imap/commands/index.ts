import { authenticate } from './authenticate.js';
import { capability } from './capability.js';
import { id } from './id.js';
import { login } from './login.js';
import { logout } from './logout.js';
import { noop } from './noop.js';
import { starttls } from './starttls.js';
import type { ImapCommandHandler } from './types.js';

export type { ImapCommandHandler } from './types.js';

/** The commands lvs7 answers before login, by upper-cased name. */
export const IMAP_COMMANDS: ReadonlyMap<string, ImapCommandHandler> = new Map([
  ['CAPABILITY', capability],
  ['NOOP', noop],
  ['LOGOUT', logout],
  ['STARTTLS', starttls],
  ['ID', id],
  ['LOGIN', login],
  ['AUTHENTICATE', authenticate],
]);

/** Commands valid only after login: they get "Please log in first" rather than "Unknown command". */
export const POST_LOGIN_COMMANDS: ReadonlySet<string> = new Set([
  'SELECT',
  'EXAMINE',
  'CREATE',
  'DELETE',
  'RENAME',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'LIST',
  'LSUB',
  'NAMESPACE',
  'STATUS',
  'APPEND',
  'IDLE',
  'ENABLE',
  'CHECK',
  'CLOSE',
  'UNSELECT',
  'EXPUNGE',
  'SEARCH',
  'FETCH',
  'STORE',
  'COPY',
  'MOVE',
  'UID',
  'GETQUOTA',
  'GETQUOTAROOT',
  'SETQUOTA',
  'GETACL',
  'SETACL',
  'MYRIGHTS',
  'COMPRESS',
  'NOTIFY',
  'GETMETADATA',
  'SETMETADATA',
]);
