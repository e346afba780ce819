import { ANY, type ImapCommand } from './command.js';

export const LOGOUT: ImapCommand = {
  name: 'LOGOUT',
  states: ANY,
  notify: false,
  async handle({ session, tag, args }) {
    args.end();
    session.send(`* BYE ${session.context.name} logging out.`);
    session.send(`${tag} OK Logout completed.`);
    session.close();
    return null;
  },
};
