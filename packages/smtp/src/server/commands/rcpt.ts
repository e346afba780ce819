import { isAscii, parsePathArgument } from '../../address.js';
import { SmtpError } from '../../errors.js';
import { isPositive, type SmtpReply } from '../../reply.js';
import type { SmtpSession } from '../session.js';

/**
 * RCPT TO: policy and directory first (RecipientRouter), then the backend
 * the transaction is bound to, whose answer the client gets.
 */
export async function rcpt(session: SmtpSession, args: string): Promise<void> {
  const tx = session.transaction!;
  const { options, router, stats } = session.runtime;
  const target = parsePathArgument(args, 'TO');
  if (target.params.size > 0) throw new SmtpError('LVS7_SMTP_UNSUPPORTED_PARAMETER');
  if (!isAscii(target.address) && !tx.sender.params.has('SMTPUTF8'))
    throw new SmtpError('LVS7_SMTP_UTF8_REQUIRED');
  if (tx.recipients.length >= options.limits.maxRecipients)
    throw new SmtpError('LVS7_SMTP_TOO_MANY_RECIPIENTS');
  let r: SmtpReply;
  try {
    const route = await router.route(target.address, session.user !== undefined);
    r = await tx.addRecipient(route, session.dataFollows);
  } catch (error) {
    stats.rejectedRecipients++;
    throw error;
  }
  if (isPositive(r)) return session.send(r);
  stats.rejectedRecipients++;
  session.refuse(r);
}
