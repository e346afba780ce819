import type { Pop3CommandHandler } from './types.js';

export const noop: Pop3CommandHandler = (session) => {
  session.write('+OK\r\n');
  return undefined;
};
