import { SmtpError } from '../../errors.js';
import { reply } from '../../reply.js';
import { LINE_TOO_LONG } from '../framer.js';
import type { SmtpSession } from '../session.js';

interface Credentials {
  readonly user: string;
  readonly password: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decode(text: string): string {
  if (!BASE64.test(text) || text.length % 4 !== 0) throw new SmtpError('LVS7_SMTP_AUTH_SYNTAX');
  return Buffer.from(text, 'base64').toString('utf8');
}

/** Sends a 334 challenge and reads the answer line (never logged). */
async function challenge(session: SmtpSession, text: string): Promise<string> {
  session.send(reply(334, undefined, text));
  const line = await session.readLine();
  if (line === LINE_TOO_LONG) throw new SmtpError('LVS7_SMTP_LINE_TOO_LONG');
  const answer = line.toString('latin1').trim();
  if (answer === '*') throw new SmtpError('LVS7_SMTP_AUTH_CANCELLED');
  return answer;
}

/** RFC 4616: [authzid] NUL authcid NUL passwd; acting as someone else is not offered. */
async function plain(session: SmtpSession, initial: string | undefined): Promise<Credentials> {
  const encoded = initial === undefined ? await challenge(session, '') : initial === '=' ? '' : initial;
  const [authzid, user, password, ...extra] = decode(encoded).split('\0');
  if (user === undefined || password === undefined || extra.length > 0 || user === '')
    throw new SmtpError('LVS7_SMTP_AUTH_SYNTAX');
  if (authzid !== '' && authzid !== user) throw new SmtpError('LVS7_SMTP_AUTH_FAILED');
  return { user, password };
}

async function login(session: SmtpSession, initial: string | undefined): Promise<Credentials> {
  const user = decode(initial ?? (await challenge(session, 'VXNlcm5hbWU6')));
  const password = decode(await challenge(session, 'UGFzc3dvcmQ6'));
  if (user === '') throw new SmtpError('LVS7_SMTP_AUTH_SYNTAX');
  return { user, password };
}

/** AUTH PLAIN / LOGIN against the directory; by default only over TLS (538 otherwise). */
export async function auth(session: SmtpSession, args: string): Promise<void> {
  const options = session.runtime.options.auth;
  if (options === undefined) throw new SmtpError('LVS7_SMTP_NOT_IMPLEMENTED');
  if (session.user !== undefined) throw new SmtpError('LVS7_SMTP_BAD_SEQUENCE', 'Already authenticated');
  if (!session.esmtp) throw new SmtpError('LVS7_SMTP_BAD_SEQUENCE', 'Send EHLO first');
  if (!session.secure && options.requireTls) throw new SmtpError('LVS7_SMTP_ENCRYPTION_REQUIRED');
  const [mechanism = '', initial, ...rest] = args.split(' ');
  if (rest.length > 0) throw new SmtpError('LVS7_SMTP_SYNTAX');
  let credentials: Credentials;
  if (mechanism.toUpperCase() === 'PLAIN') credentials = await plain(session, initial);
  else if (mechanism.toUpperCase() === 'LOGIN') credentials = await login(session, initial);
  else throw new SmtpError('LVS7_SMTP_AUTH_MECHANISM');
  let ok: boolean;
  try {
    ok = await options.directory.verifyPassword(credentials.user, credentials.password);
  } catch (error) {
    throw new SmtpError('LVS7_SMTP_AUTH_UNAVAILABLE', undefined, { cause: error });
  }
  if (!ok) throw new SmtpError('LVS7_SMTP_AUTH_FAILED');
  session.user = credentials.user;
  session.send(reply(235, '2.7.0', 'Authentication successful'));
}
