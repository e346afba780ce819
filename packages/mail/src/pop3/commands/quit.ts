import type { Pop3CommandHandler } from './types.js';

export const quit: Pop3CommandHandler = (session) => {
  session.write('+OK Logging out.\r\n');
  session.close();
  return undefined;
};
