import { ANY, type ImapCommand, ok } from './command.js';

/** Does nothing; the untagged updates sent after every command are the point (polling clients). */
export const NOOP: ImapCommand = {
  name: 'NOOP',
  states: ANY,
  async handle({ args }) {
    args.end();
    return ok('NOOP completed.');
  },
};
