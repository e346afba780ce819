import { CommandSyntaxError } from '../../errors.js';
import type { Pop3CommandHandler } from './types.js';

/** PASS password (the rest of the line, spaces included), after USER. */
export const pass: Pop3CommandHandler = (session, command) => {
  const username = session.pendingUser;
  session.pendingUser = undefined;
  if (username === undefined) {
    session.badCommand(new CommandSyntaxError('No user name given (USER first).'));
    return undefined;
  }
  const password = Buffer.from(command.rest);
  return session.login({ authzid: '', username, password, mechanism: 'login' }, '');
};
