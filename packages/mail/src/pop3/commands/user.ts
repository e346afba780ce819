import { CommandSyntaxError, MailError } from '../../errors.js';
import type { Pop3CommandHandler } from './types.js';

/** USER name: remembered for PASS; the directory is not asked yet (no user enumeration). */
export const user: Pop3CommandHandler = (session, command) => {
  if (command.rest.length === 0) {
    session.badCommand(new CommandSyntaxError('USER expects a name'));
    return undefined;
  }
  if (!session.loginAllowed) {
    session.fail(new MailError('LVS7_MAIL_PRIVACY_REQUIRED'));
    return undefined;
  }
  session.pendingUser = command.rest.toString('utf8');
  session.write('+OK\r\n');
  return undefined;
};
