import type { ImapSession } from './imap-session.js';
import { ImapState } from './imap-state.js';

/** What the server supports, by session state (RFC 3501 7.2.1). */
export function capabilities(session: ImapSession): string {
  const caps = ['IMAP4rev1', 'LITERAL+', 'SASL-IR', 'ID', 'IDLE'];
  if (session.state === ImapState.NotAuthenticated) {
    if (session.context.tls && !session.secure) caps.push('STARTTLS');
    caps.push('AUTH=PLAIN');
  } else {
    caps.push('NAMESPACE', 'UNSELECT', 'UIDPLUS', 'CHILDREN', 'MOVE');
  }
  return caps.join(' ');
}
