import { type ImapCommand, ok, SELECTED } from './command.js';

/** RFC 3691: leave the mailbox without expunging. */
export const UNSELECT: ImapCommand = {
  name: 'UNSELECT',
  states: SELECTED,
  notify: false,
  async handle({ session, args }) {
    args.end();
    session.deselect();
    return ok('Unselect completed.');
  },
};
