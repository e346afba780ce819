import { CommandSyntaxError, MailError } from '../../errors.js';
import { decodeSaslPlain } from '../../protocol/sasl-plain.js';
import type { ImapCommandHandler } from './types.js';

/** AUTHENTICATE PLAIN, with an initial response (SASL-IR, RFC 4959) or the `+` continuation. */
export const authenticate: ImapCommandHandler = (session, command) => {
  const [mechanism, initial, extra] = command.args;
  if (
    mechanism?.type !== 'atom' ||
    extra !== undefined ||
    (initial !== undefined && initial.type !== 'atom')
  ) {
    session.badCommand(new CommandSyntaxError('AUTHENTICATE expects a mechanism'), command.tag);
    return undefined;
  }
  if (mechanism.value.toUpperCase() !== 'PLAIN') {
    session.fail(new MailError('LVS7_MAIL_UNSUPPORTED_MECHANISM'), command.tag);
    return undefined;
  }
  if (!session.loginAllowed) {
    session.fail(new MailError('LVS7_MAIL_PRIVACY_REQUIRED'), command.tag);
    return undefined;
  }
  if (initial === undefined) {
    session.awaitSaslResponse(command.tag);
    return undefined;
  }
  try {
    // `=` is an empty initial response, which PLAIN cannot use.
    return session.login(decodeSaslPlain(initial.value === '=' ? '' : initial.value), command.tag);
  } catch (error) {
    if (!(error instanceof MailError)) throw error;
    session.badCommand(error, command.tag);
    return undefined;
  }
};
