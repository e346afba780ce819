import { ImapOut } from '../wire.js';
import { AUTHENTICATED, type ImapCommand, ok } from './command.js';

const ITEMS = new Set(['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN']);

export const STATUS: ImapCommand = {
  name: 'STATUS',
  states: AUTHENTICATED,
  async handle({ session, args }) {
    const name = args.astring('mailbox name');
    const items = args.list('status items').map((t) => (t.type === 'atom' ? t.value.toUpperCase() : ''));
    args.end();
    if (items.length === 0 || items.some((i) => !ITEMS.has(i))) {
      return { status: 'BAD', text: 'Error in IMAP command STATUS: unknown status item.' };
    }
    const handle = await session.store!.open(name);
    try {
      const state = await handle.mailbox.sync();
      const values: Record<string, number> = {
        MESSAGES: state.messages.length,
        RECENT: state.messages.filter((m) => m.sub === 'new').length,
        UIDNEXT: state.uidNext,
        UIDVALIDITY: state.uidValidity,
        UNSEEN: state.messages.filter((m) => !m.letters.includes('S')).length,
      };
      const out = new ImapOut().raw('* STATUS ').astring(handle.mailbox.name);
      out.raw(` (${items.map((i) => `${i} ${values[i]}`).join(' ')})\r\n`);
      session.write(out.toBuffer());
    } finally {
      handle.release();
    }
    return ok('Status completed.');
  },
};
