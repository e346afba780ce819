import { SmtpError } from '../../errors.js';
import { isPositive, reply } from '../../reply.js';
import type { SmtpSession } from '../session.js';

/**
 * DATA: the client gets 354 only once the backend said 354, the message
 * streams through, and the final dot gets the backend's verdict (or 451 if
 * the backend failed, 552 if the message outgrew the limit).
 */
export async function data(session: SmtpSession, args: string): Promise<void> {
  if (args !== '') throw new SmtpError('LVS7_SMTP_SYNTAX', 'Syntax: DATA');
  const tx = session.transaction!;
  if (tx.recipients.length === 0) throw new SmtpError('LVS7_SMTP_NO_RECIPIENTS');
  try {
    const ready = await tx.openData();
    if (ready.code !== 354) return session.refuse(ready);
    session.send(reply(354, undefined, 'End data with <CR><LF>.<CR><LF>'));
    const verdict = await session.receiveMessage(tx);
    if (isPositive(verdict)) session.send(verdict);
    else session.refuse(verdict);
  } finally {
    session.endTransaction();
  }
}
