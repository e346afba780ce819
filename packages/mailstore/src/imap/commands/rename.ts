import { AUTHENTICATED, type ImapCommand, ok } from './command.js';

export const RENAME: ImapCommand = {
  name: 'RENAME',
  states: AUTHENTICATED,
  async handle({ session, args }) {
    const from = args.astring('existing mailbox name');
    const to = args.astring('new mailbox name');
    args.end();
    await session.store!.rename(from, to);
    return ok('Rename completed.');
  },
};
