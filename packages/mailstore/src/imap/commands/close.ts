import { type ImapCommand, ok, SELECTED } from './command.js';

/** Expunges \Deleted messages silently (read-write only) and leaves the mailbox. */
export const CLOSE: ImapCommand = {
  name: 'CLOSE',
  states: SELECTED,
  notify: false,
  async handle({ session, args }) {
    args.end();
    const selected = session.selected!;
    if (!selected.readOnly) {
      await selected.mailbox.sync();
      const deleted = selected.mailbox.state.messages
        .filter((m) => m.letters.includes('T'))
        .map((m) => m.uid);
      if (deleted.length > 0) await selected.mailbox.expunge(deleted);
    }
    session.deselect();
    return ok('Close completed.');
  },
};
