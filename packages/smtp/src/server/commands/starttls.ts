import { SmtpError } from '../../errors.js';
import { reply } from '../../reply.js';
import type { SmtpSession } from '../session.js';

export async function starttls(session: SmtpSession, args: string): Promise<void> {
  const context = session.runtime.secureContext;
  if (args !== '') throw new SmtpError('LVS7_SMTP_SYNTAX', 'Syntax: STARTTLS');
  if (context === undefined || session.secure || session.runtime.options.tls?.mode !== 'starttls') {
    throw new SmtpError('LVS7_SMTP_TLS_UNAVAILABLE');
  }
  session.send(reply(220, '2.0.0', 'Ready to start TLS'));
  try {
    await session.startTls(context);
  } catch {
    session.close();
  }
}
