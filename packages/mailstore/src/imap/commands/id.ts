import { quote } from '../wire.js';
import { ANY, type ImapCommand, ok } from './command.js';

/** RFC 2971: the reply names this node, so a client (or test) sees which backend served it. */
export const ID: ImapCommand = {
  name: 'ID',
  states: ANY,
  async handle({ session, args }) {
    const token = args.next('client parameters');
    args.end();
    if (token.type === 'list') {
      const client: Record<string, string> = {};
      for (let i = 0; i + 1 < token.items.length; i += 2) {
        const [k, v] = [token.items[i]!, token.items[i + 1]!];
        if (k.type !== 'list' && v.type !== 'list')
          client[String(k.value).slice(0, 64)] = String(v.value).slice(0, 256);
      }
      session.logger.debug({ client }, 'client id');
    } else if (token.type !== 'atom' || token.value.toUpperCase() !== 'NIL') {
      return { status: 'BAD', text: 'Error in IMAP command ID: expected a list or NIL.' };
    }
    session.send(
      `* ID (${quote('name')} ${quote(session.context.name)} ${quote('vendor')} ${quote('lvs7')})`,
    );
    return ok('ID completed.');
  },
};
