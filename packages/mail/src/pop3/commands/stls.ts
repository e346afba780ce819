import { MailError } from '../../errors.js';
import type { Pop3CommandHandler } from './types.js';

/** STLS (RFC 2595): +OK, then the TLS handshake; pipelined plaintext is discarded. */
export const stls: Pop3CommandHandler = (session) => {
  if (session.secure) session.badCommand(new MailError('LVS7_MAIL_TLS_ACTIVE'));
  else if (!session.tlsAvailable) session.badCommand(new MailError('LVS7_MAIL_TLS_UNAVAILABLE'));
  else {
    session.write('+OK Begin TLS negotiation now.\r\n');
    session.upgradeTls();
  }
  return undefined;
};
