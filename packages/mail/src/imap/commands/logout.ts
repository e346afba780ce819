import type { ImapCommandHandler } from './types.js';

export const logout: ImapCommandHandler = (session, command) => {
  session.write(`* BYE Logging out.\r\n${command.tag} OK Logout completed.\r\n`);
  session.close();
  return undefined;
};
