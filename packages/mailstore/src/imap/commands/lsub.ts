import { SEPARATOR } from '../../maildir/user-store.js';
import { listMatcher } from '../list-pattern.js';
import { ImapOut } from '../wire.js';
import { AUTHENTICATED, type ImapCommand, ok } from './command.js';

export const LSUB: ImapCommand = {
  name: 'LSUB',
  states: AUTHENTICATED,
  async handle({ session, args }) {
    const reference = args.astring('reference');
    const pattern = args.astring('mailbox pattern');
    args.end();
    const store = session.store!;
    const existing = new Set(await store.list());
    const matches = listMatcher(reference, pattern);
    for (const name of await store.subscriptions()) {
      if (!matches(name)) continue;
      const attributes = existing.has(name) ? '' : '\\Noselect';
      session.write(
        new ImapOut().raw(`* LSUB (${attributes}) "${SEPARATOR}" `).astring(name).raw('\r\n').toBuffer(),
      );
    }
    return ok('Lsub completed.');
  },
};
