import { completeLogin } from './auth-common.js';
import { type ImapCommand, NOT_AUTHENTICATED } from './command.js';

export const LOGIN: ImapCommand = {
  name: 'LOGIN',
  states: NOT_AUTHENTICATED,
  async handle({ session, args }) {
    const user = args.astring('user name');
    const password = args.astring('password');
    args.end();
    return completeLogin(session, user, password);
  },
};
