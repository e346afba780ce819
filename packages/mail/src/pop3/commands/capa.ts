import type { Pop3CommandHandler } from './types.js';

export const capa: Pop3CommandHandler = (session) => {
  session.write(`+OK Capability list follows\r\n${session.capabilities().join('\r\n')}\r\n.\r\n`);
  return undefined;
};
