import { AuthenticationFailedError } from '../../errors.js';
import type { ImapSession, TaggedReply } from '../imap-session.js';
import { ok } from './command.js';

/**
 * LOGIN and AUTHENTICATE end here: check the password (failures answer after
 * the configured delay), refuse disabled accounts, close after too many
 * failures. Errors propagate to the session, which maps them to NO replies.
 */
export async function completeLogin(
  session: ImapSession,
  user: string,
  password: string,
): Promise<TaggedReply> {
  try {
    const account = await session.context.accounts.authenticate(user, password);
    session.authenticated(account);
    return ok('Logged in.', `CAPABILITY ${session.capabilities()}`);
  } catch (error) {
    if (
      error instanceof AuthenticationFailedError &&
      ++session.authFailures >= session.context.limits.maxAuthFailures
    ) {
      session.closeAfterReply = 'Too many authentication failures.';
    }
    throw error;
  }
}
