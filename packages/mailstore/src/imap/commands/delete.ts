import { UserStore } from '../../maildir/user-store.js';
import { AUTHENTICATED, type ImapCommand, ok } from './command.js';

export const DELETE: ImapCommand = {
  name: 'DELETE',
  states: AUTHENTICATED,
  async handle({ session, args }) {
    const name = UserStore.normalize(args.astring('mailbox name'));
    args.end();
    if (session.selected?.mailbox.name === name) session.deselect();
    await session.store!.delete(name);
    return ok('Delete completed.');
  },
};
