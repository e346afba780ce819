import { SEPARATOR } from '../../maildir/user-store.js';
import { listMailboxes, listMatcher } from '../list-pattern.js';
import { ImapOut } from '../wire.js';
import { AUTHENTICATED, type ImapCommand, ok } from './command.js';

export const LIST: ImapCommand = {
  name: 'LIST',
  states: AUTHENTICATED,
  async handle({ session, args }) {
    const reference = args.astring('reference');
    const pattern = args.astring('mailbox pattern');
    args.end();
    if (pattern === '') {
      // RFC 3501: an empty pattern asks for the hierarchy separator and root.
      session.send(`* LIST (\\Noselect) "${SEPARATOR}" ""`);
      return ok('List completed.');
    }
    const names = await session.store!.list();
    for (const entry of listMailboxes(names, listMatcher(reference, pattern))) {
      const out = new ImapOut()
        .raw(`* LIST (${entry.attributes.join(' ')}) "${SEPARATOR}" `)
        .astring(entry.name)
        .raw('\r\n');
      session.write(out.toBuffer());
    }
    return ok('List completed.');
  },
};
