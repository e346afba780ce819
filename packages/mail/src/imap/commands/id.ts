import { CommandSyntaxError } from '../../errors.js';
import type { ImapValue } from '../imap-parser.js';
import type { ImapCommandHandler } from './types.js';

const MAX_PAIRS = 30;
const MAX_VALUE = 1024;

function text(value: ImapValue | undefined): string | null | undefined {
  if (value?.type === 'nil') return null;
  if (value?.type === 'string') return value.value.subarray(0, MAX_VALUE).toString('utf8');
  return undefined;
}

/** ID (RFC 2971): remembers the client's parameters for the backend and names lvs7. */
export const id: ImapCommandHandler = (session, command) => {
  const [arg, extra] = command.args;
  if (extra !== undefined || (arg?.type !== 'nil' && arg?.type !== 'list')) {
    session.badCommand(new CommandSyntaxError('ID expects a list or NIL'), command.tag);
    return undefined;
  }
  if (arg.type === 'list') {
    const pairs: Array<readonly [string, string | null]> = [];
    for (let i = 0; i + 1 < arg.items.length && pairs.length < MAX_PAIRS; i += 2) {
      const key = text(arg.items[i]);
      const value = text(arg.items[i + 1]);
      if (typeof key === 'string' && value !== undefined) pairs.push([key, value]);
    }
    session.clientId = pairs;
  }
  session.write(`* ID ("name" "lvs7")\r\n${command.tag} OK ID completed.\r\n`);
  return undefined;
};
