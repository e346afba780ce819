import { isAscii, parsePathArgument } from '../../address.js';
import { SmtpError } from '../../errors.js';
import { reply } from '../../reply.js';
import { backendExtensions } from '../runtime.js';
import type { SmtpSession } from '../session.js';

/** MAIL FROM: checks the parameters we offered (SIZE, BODY, SMTPUTF8) and opens a transaction. */
export function mail(session: SmtpSession, args: string): void {
  const sender = parsePathArgument(args, 'FROM');
  for (const [key, value] of sender.params) {
    if (key === 'SIZE') {
      if (typeof value !== 'string' || !/^\d{1,15}$/.test(value))
        throw new SmtpError('LVS7_SMTP_SYNTAX', 'Bad SIZE parameter');
      if (Number(value) > session.runtime.options.maxMessageSize)
        throw new SmtpError('LVS7_SMTP_MESSAGE_TOO_BIG');
    } else if (key === 'BODY') {
      if (typeof value !== 'string' || !/^(7BIT|8BITMIME)$/i.test(value))
        throw new SmtpError('LVS7_SMTP_SYNTAX', 'Bad BODY parameter');
    } else if (key === 'SMTPUTF8') {
      if (value !== true) throw new SmtpError('LVS7_SMTP_SYNTAX', 'SMTPUTF8 takes no value');
      // Only offered when every backend takes it: a UTF-8 envelope must not meet one that does not.
      if (!backendExtensions(session.runtime.routes).smtpUtf8)
        throw new SmtpError('LVS7_SMTP_UNSUPPORTED_PARAMETER');
    } else if (key !== 'AUTH') {
      // AUTH=<> is harmless and dropped; anything else we did not offer is refused.
      throw new SmtpError('LVS7_SMTP_UNSUPPORTED_PARAMETER');
    }
  }
  if (!isAscii(sender.address) && !sender.params.has('SMTPUTF8'))
    throw new SmtpError('LVS7_SMTP_UTF8_REQUIRED');
  session.beginTransaction(sender);
  session.send(reply(250, '2.1.0', 'Ok'));
}
