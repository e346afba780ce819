import { ANY, type ImapCommand, ok } from './command.js';

export const CAPABILITY: ImapCommand = {
  name: 'CAPABILITY',
  states: ANY,
  async handle({ session, args }) {
    args.end();
    session.send(`* CAPABILITY ${session.capabilities()}`);
    return ok('Capability completed.');
  },
};
