import type { ImapCommandHandler } from './types.js';

/** CAPABILITY: lvs7's pre-login capabilities (the backend's come with the login reply). */
export const capability: ImapCommandHandler = (session, command) => {
  session.write(`* CAPABILITY ${session.capabilities()}\r\n${command.tag} OK Capability completed.\r\n`);
  return undefined;
};
