import type { ImapCommandHandler } from './types.js';

export const noop: ImapCommandHandler = (session, command) => {
  session.write(`${command.tag} OK NOOP completed.\r\n`);
  return undefined;
};
