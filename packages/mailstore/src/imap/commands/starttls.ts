import { bad, type ImapCommand, NOT_AUTHENTICATED } from './command.js';

export const STARTTLS: ImapCommand = {
  name: 'STARTTLS',
  states: NOT_AUTHENTICATED,
  notify: false,
  async handle({ session, tag, args }) {
    args.end();
    if (session.secure) return bad('TLS is already active.');
    if (!session.context.tls) return bad('Error in IMAP command STARTTLS: TLS is not configured.');
    session.send(`${tag} OK Begin TLS negotiation now.`);
    session.socket.uncork();
    session.startTls();
    return null;
  },
};
