import { CommandSyntaxError, MailError } from '../../errors.js';
import { astring } from '../imap-parser.js';
import type { ImapCommandHandler } from './types.js';

/** LOGIN user password: astrings (atoms, quoted strings or literals). */
export const login: ImapCommandHandler = (session, command) => {
  const [userArg, passwordArg, extra] = command.args;
  const user = astring(userArg);
  const password = astring(passwordArg);
  if (user === undefined || password === undefined || extra !== undefined || user.length === 0) {
    session.badCommand(new CommandSyntaxError('LOGIN expects a user name and a password'), command.tag);
    return undefined;
  }
  if (!session.loginAllowed) {
    session.fail(new MailError('LVS7_MAIL_PRIVACY_REQUIRED'), command.tag);
    return undefined;
  }
  const credentials = { authzid: '', username: user.toString('utf8'), password, mechanism: 'login' as const };
  return session.login(credentials, command.tag);
};
