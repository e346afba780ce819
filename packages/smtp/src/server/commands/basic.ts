import { SmtpError } from '../../errors.js';
import { reply } from '../../reply.js';
import type { SmtpSession } from '../session.js';

export function rset(session: SmtpSession): void {
  session.endTransaction();
  session.send(reply(250, '2.0.0', 'Ok'));
}

export function noop(session: SmtpSession): void {
  session.send(reply(250, '2.0.0', 'Ok'));
}

/** Never says whether a user exists (address harvesting); RFC 5321 §3.5.3 allows 252. */
export function vrfy(session: SmtpSession, args: string): void {
  if (args === '') throw new SmtpError('LVS7_SMTP_SYNTAX', 'Syntax: VRFY address');
  session.send(reply(252, '2.0.0', 'Cannot VRFY user, but will accept message and attempt delivery'));
}

export function help(session: SmtpSession): void {
  session.send(reply(214, '2.0.0', 'See RFC 5321'));
}

export function quit(session: SmtpSession): void {
  session.send(reply(221, '2.0.0', 'Bye'));
  session.close();
}
