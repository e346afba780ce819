import { decodeSaslPlain } from '../../account/sasl-plain.js';
import { completeLogin } from './auth-common.js';
import { bad, type ImapCommand, NOT_AUTHENTICATED, no } from './command.js';

/** AUTHENTICATE PLAIN, with the initial response inline (SASL-IR, RFC 4959) or after "+". */
export const AUTHENTICATE: ImapCommand = {
  name: 'AUTHENTICATE',
  states: NOT_AUTHENTICATED,
  async handle({ session, args }) {
    const mechanism = args.atom('mechanism').toUpperCase();
    let response = args.remaining > 0 ? args.atom('initial response') : undefined;
    args.end();
    if (mechanism !== 'PLAIN') return no('Unsupported authentication mechanism.', 'CANNOT');
    if (response === undefined) {
      session.send('+ ');
      session.push();
      response = (await session.reader.readLine()) ?? '*';
    }
    if (response === '*') return bad('Authentication aborted by client.');
    const credentials = decodeSaslPlain(response === '=' ? '' : response);
    if (!credentials) return bad('Invalid AUTHENTICATE PLAIN response.');
    if (credentials.authzid && credentials.authzid !== credentials.user) {
      return no('Proxy authentication is not supported.', 'AUTHORIZATIONFAILED');
    }
    return completeLogin(session, credentials.user, credentials.password);
  },
};
