import { SmtpError } from '../../errors.js';
import { reply } from '../../reply.js';
import { backendExtensions } from '../runtime.js';
import type { SmtpSession } from '../session.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: a client name never has control characters.
const BAD_NAME = /[\x00-\x20\x7f]/;

function greet(session: SmtpSession, args: string, esmtp: boolean): string {
  const name = args.split(' ')[0] ?? '';
  if (name === '' || name.length > 255 || BAD_NAME.test(name)) {
    throw new SmtpError('LVS7_SMTP_SYNTAX', `Syntax: ${esmtp ? 'EHLO' : 'HELO'} hostname`);
  }
  // A new greeting resets the session's transaction (RFC 5321 §4.1.4).
  session.endTransaction();
  session.helo = name;
  session.esmtp = esmtp;
  session.state = 'ready';
  return `${session.runtime.options.hostname} Hello ${name} [${session.client.address}]`;
}

export function helo(session: SmtpSession, args: string): void {
  session.send(reply(250, undefined, greet(session, args, false)));
}

/** Offers only what we do ourselves and what every known backend supports. */
export function ehlo(session: SmtpSession, args: string): void {
  const first = greet(session, args, true);
  const { options } = session.runtime;
  const backends = backendExtensions(session.runtime.routes);
  const lines = [
    first,
    'PIPELINING',
    `SIZE ${Math.min(options.maxMessageSize, backends.size ?? Number.POSITIVE_INFINITY)}`,
  ];
  if (backends.eightBitMime) lines.push('8BITMIME');
  if (backends.smtpUtf8) lines.push('SMTPUTF8');
  lines.push('ENHANCEDSTATUSCODES');
  if (options.tls?.mode === 'starttls' && !session.secure) lines.push('STARTTLS');
  if (
    options.auth !== undefined &&
    session.user === undefined &&
    (session.secure || !options.auth.requireTls)
  ) {
    lines.push('AUTH PLAIN LOGIN');
  }
  session.send(reply(250, undefined, ...lines));
}
