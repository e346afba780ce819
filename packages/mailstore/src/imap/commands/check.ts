import { type ImapCommand, ok, SELECTED } from './command.js';

/** Every change is already on disk when its command completes: CHECK is a NOOP. */
export const CHECK: ImapCommand = {
  name: 'CHECK',
  states: SELECTED,
  async handle({ args }) {
    args.end();
    return ok('Check completed.');
  },
};
