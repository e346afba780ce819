import { AUTHENTICATED, type ImapCommand, ok } from './command.js';

export const CREATE: ImapCommand = {
  name: 'CREATE',
  states: AUTHENTICATED,
  async handle({ session, args }) {
    const name = args.astring('mailbox name');
    args.end();
    await session.store!.create(name);
    return ok('Create completed.');
  },
};
