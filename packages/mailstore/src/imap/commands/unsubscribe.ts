import { AUTHENTICATED, type ImapCommand, ok } from './command.js';

export const UNSUBSCRIBE: ImapCommand = {
  name: 'UNSUBSCRIBE',
  states: AUTHENTICATED,
  async handle({ session, args }) {
    const name = args.astring('mailbox name');
    args.end();
    await session.store!.subscribe(name, false);
    return ok('Unsubscribe completed.');
  },
};
