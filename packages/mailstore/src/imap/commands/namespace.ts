import { AUTHENTICATED, type ImapCommand, ok } from './command.js';

/** RFC 2342: one personal namespace, no prefix, "/" as separator. */
export const NAMESPACE: ImapCommand = {
  name: 'NAMESPACE',
  states: AUTHENTICATED,
  async handle({ session, args }) {
    args.end();
    session.send('* NAMESPACE (("" "/")) NIL NIL');
    return ok('Namespace completed.');
  },
};
