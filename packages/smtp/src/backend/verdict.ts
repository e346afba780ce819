import { SmtpError } from '../errors.js';
import { isPositive, isTransient, reply, type SmtpReply } from '../reply.js';
import type { MessageOutcome } from '../stats.js';
import type { BackendProtocol } from './backend-connection.js';

/**
 * The one reply the client gets for its final dot, from the backend's
 * verdict: SMTP gives one reply, relayed as it is; LMTP gives one reply per
 * recipient (RFC 2033 §4.2), and an SMTP client can only be told one thing:
 *
 * - every recipient accepted → 250 (a single recipient's reply as it is);
 * - none accepted, some temporarily → 451 with the first temporary reply's
 *   enhanced code and text (the client retries; recipients that fail for
 *   good are then refused at RCPT, where the backend is asked first);
 * - none accepted, all permanently → the first permanent reply;
 * - some accepted, some not → 451 4.3.0: the client sends the message
 *   again, and the recipients that got it get it twice. Delivery is
 *   at-least-once: a duplicate is better than a message we said 250 for
 *   and lost. Every RCPT is passed to the backend before we answer it, so
 *   this only happens when a delivery fails after the backend accepted the
 *   recipient (quota reached meanwhile, a disk error).
 */
export function finalVerdict(protocol: BackendProtocol, replies: readonly SmtpReply[]): SmtpReply {
  if (protocol === 'smtp' || (replies.length === 1 && isPositive(replies[0]!))) return replies[0]!;
  const accepted = replies.filter(isPositive).length;
  if (accepted === replies.length) return reply(250, '2.0.0', `Ok: delivered to ${accepted} recipients`);
  if (accepted > 0) return new SmtpError('LVS7_SMTP_PARTIAL_FAILURE').reply;
  const transient = replies.find(isTransient);
  if (transient !== undefined) {
    const enhanced = transient.enhanced?.startsWith('4.') ? transient.enhanced : '4.3.0';
    return { code: 451, enhanced, lines: transient.lines };
  }
  return replies[0]!;
}

/** How a verdict is counted. */
export function outcomeOf(verdict: SmtpReply): MessageOutcome {
  if (isPositive(verdict)) return 'delivered';
  return isTransient(verdict) ? 'temp-failed' : 'perm-failed';
}
