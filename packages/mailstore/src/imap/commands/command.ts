import { type CommandContext, ImapState, type TaggedReply } from '../imap-state.js';

export type { CommandContext, TaggedReply };

export interface ImapCommand {
  readonly name: string;
  /** States in which the command is allowed; elsewhere it is refused with BAD before dispatch. */
  readonly states: readonly ImapState[];
  /**
   * May untagged EXPUNGE follow this command? Not after FETCH, STORE and
   * SEARCH (RFC 3501 7.4.1; their UID forms may). Default yes.
   */
  readonly allowExpunge?: boolean;
  /** Send untagged updates of the selected mailbox after the command? Default yes. */
  readonly notify?: boolean;
  /** The tagged reply, or null when the command wrote it itself. */
  handle(context: CommandContext): Promise<TaggedReply | null>;
}

export const ANY = [ImapState.NotAuthenticated, ImapState.Authenticated, ImapState.Selected] as const;
export const NOT_AUTHENTICATED = [ImapState.NotAuthenticated] as const;
export const AUTHENTICATED = [ImapState.Authenticated, ImapState.Selected] as const;
export const SELECTED = [ImapState.Selected] as const;

export function ok(text: string, code?: string): TaggedReply {
  return { status: 'OK', code, text };
}

export function no(text: string, code?: string): TaggedReply {
  return { status: 'NO', code, text };
}

export function bad(text: string): TaggedReply {
  return { status: 'BAD', text };
}
