import type { StepResult } from '../../session/mail-session.js';
import type { ImapCommand } from '../imap-parser.js';
import type { ImapSession } from '../imap-session.js';

/** One IMAP command lvs7 answers before login. */
export type ImapCommandHandler = (session: ImapSession, command: ImapCommand) => StepResult | undefined;
