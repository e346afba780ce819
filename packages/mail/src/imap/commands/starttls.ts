import { MailError } from '../../errors.js';
import type { ImapCommandHandler } from './types.js';

/** STARTTLS (RFC 9051 6.2.1): OK, then the TLS handshake; pipelined plaintext is discarded. */
export const starttls: ImapCommandHandler = (session, command) => {
  if (session.secure) session.badCommand(new MailError('LVS7_MAIL_TLS_ACTIVE'), command.tag);
  else if (!session.tlsAvailable) session.badCommand(new MailError('LVS7_MAIL_TLS_UNAVAILABLE'), command.tag);
  else {
    session.write(`${command.tag} OK Begin TLS negotiation now.\r\n`);
    session.upgradeTls();
  }
  return undefined;
};
