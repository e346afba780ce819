import type { StepResult } from '../../session/mail-session.js';
import type { Pop3Command } from '../pop3-parser.js';
import type { Pop3Session } from '../pop3-session.js';

/** One POP3 command lvs7 answers in the AUTHORIZATION state. */
export type Pop3CommandHandler = (session: Pop3Session, command: Pop3Command) => StepResult | undefined;
