import type { SessionState, SmtpSession } from '../session.js';
import { auth } from './auth.js';
import { help, noop, quit, rset, vrfy } from './basic.js';
import { data } from './data.js';
import { ehlo, helo } from './helo.js';
import { mail } from './mail.js';
import { rcpt } from './rcpt.js';
import { starttls } from './starttls.js';

export interface Command {
  /** Runs the command; a returned promise holds later commands back until it settles. Throws become replies. */
  readonly run: (session: SmtpSession, args: string) => void | Promise<void>;
  /** States the command is allowed in; otherwise 503 5.5.1 with `badSequence`. */
  readonly states: readonly SessionState[];
  readonly badSequence: string;
  /** MAIL, RCPT, DATA: not counted against maxCommandsBeforeMail. */
  readonly transaction: boolean;
}

const ANY: readonly SessionState[] = ['connected', 'ready', 'mail'];

function command(
  run: Command['run'],
  states = ANY,
  badSequence = 'Bad sequence of commands',
  transaction = false,
): Command {
  return { run, states, badSequence, transaction };
}

/** Verb → handler, one file per command (as smtp-server's handler_VERB, imapflow's command files). */
export const COMMANDS: ReadonlyMap<string, Command> = new Map([
  ['HELO', command(helo)],
  ['EHLO', command(ehlo)],
  ['STARTTLS', command(starttls, ['connected', 'ready'], 'STARTTLS not allowed during a mail transaction')],
  ['AUTH', command(auth, ['ready'], 'AUTH needs EHLO first and no mail transaction')],
  ['MAIL', command(mail, ['ready'], 'Send HELO/EHLO first, one MAIL per transaction', true)],
  ['RCPT', command(rcpt, ['mail'], 'Need MAIL command', true)],
  ['DATA', command(data, ['mail'], 'Need MAIL command', true)],
  ['RSET', command(rset)],
  ['NOOP', command(noop)],
  ['VRFY', command(vrfy)],
  ['HELP', command(help)],
  ['QUIT', command(quit, ANY, '', true)],
]);
