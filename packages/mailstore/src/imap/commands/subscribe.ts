import { AUTHENTICATED, type ImapCommand, ok } from './command.js';

export const SUBSCRIBE: ImapCommand = {
  name: 'SUBSCRIBE',
  states: AUTHENTICATED,
  async handle({ session, args }) {
    const name = args.astring('mailbox name');
    args.end();
    await session.store!.subscribe(name, true);
    return ok('Subscribe completed.');
  },
};
