import { CommandSyntaxError, MailError } from '../../errors.js';
import { decodeSaslPlain } from '../../protocol/sasl-plain.js';
import type { Pop3CommandHandler } from './types.js';

/** AUTH (RFC 5034): without arguments lists mechanisms; AUTH PLAIN [initial-response]. */
export const auth: Pop3CommandHandler = (session, command) => {
  const [mechanism, initial, extra] = command.args;
  if (mechanism === undefined) {
    session.write(session.loginAllowed ? '+OK\r\nPLAIN\r\n.\r\n' : '+OK\r\n.\r\n');
    return undefined;
  }
  if (extra !== undefined) {
    session.badCommand(new CommandSyntaxError('AUTH expects a mechanism and an optional response'));
    return undefined;
  }
  if (mechanism.toUpperCase() !== 'PLAIN') {
    session.fail(new MailError('LVS7_MAIL_UNSUPPORTED_MECHANISM'));
    return undefined;
  }
  if (!session.loginAllowed) {
    session.fail(new MailError('LVS7_MAIL_PRIVACY_REQUIRED'));
    return undefined;
  }
  if (initial === undefined) {
    session.awaitSaslResponse();
    return undefined;
  }
  try {
    return session.login(decodeSaslPlain(initial === '=' ? '' : initial), '');
  } catch (error) {
    if (!(error instanceof MailError)) throw error;
    session.badCommand(error);
    return undefined;
  }
};
