import type { ImapSession } from './imap-session.js';
import type { Args } from './parser.js';

/** The IMAP connection states of RFC 3501 3; every command lists the ones it is allowed in. */
export enum ImapState {
  NotAuthenticated = 'NOT_AUTHENTICATED',
  Authenticated = 'AUTHENTICATED',
  Selected = 'SELECTED',
  Logout = 'LOGOUT',
}

export interface TaggedReply {
  readonly status: 'OK' | 'NO' | 'BAD';
  /** Response code without brackets: `READ-WRITE`, `APPENDUID 1 2`. */
  readonly code?: string | undefined;
  readonly text: string;
}

export interface CommandContext {
  readonly session: ImapSession;
  readonly tag: string;
  /** `FETCH`, `UID FETCH`… */
  readonly name: string;
  readonly args: Args;
  readonly uid: boolean;
}
