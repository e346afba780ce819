import { InvalidSaslError } from '../errors.js';

/**
 * A client's login, whichever command carried it. The password is kept as
 * bytes so it reaches the backend exactly as sent. Never log it.
 */
export interface Credentials {
  /** The identity to act as (SASL PLAIN authzid, master-user logins); '' when none. */
  readonly authzid: string;
  /** The login name (authcid). */
  readonly username: string;
  readonly password: Buffer;
  /** How the client logged in; the backend is spoken to the same way. */
  readonly mechanism: 'login' | 'plain';
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 (Buffer.from silently skips bad characters). */
export function decodeBase64(text: string): Buffer {
  if (!BASE64.test(text)) throw new InvalidSaslError('invalid base64');
  return Buffer.from(text, 'base64');
}

/**
 * Decodes a SASL PLAIN response (RFC 4616): base64 of
 * `authzid NUL authcid NUL password`. `=` (an empty response) is invalid for PLAIN.
 */
export function decodeSaslPlain(response: string): Credentials {
  const bytes = decodeBase64(response.trim());
  const first = bytes.indexOf(0);
  const second = first < 0 ? -1 : bytes.indexOf(0, first + 1);
  if (first < 0 || second < 0 || bytes.indexOf(0, second + 1) >= 0) {
    throw new InvalidSaslError('PLAIN needs authzid NUL authcid NUL password');
  }
  const username = bytes.subarray(first + 1, second).toString('utf8');
  if (username === '') throw new InvalidSaslError('PLAIN with an empty user name');
  return {
    authzid: bytes.subarray(0, first).toString('utf8'),
    username,
    password: Buffer.from(bytes.subarray(second + 1)),
    mechanism: 'plain',
  };
}

/** The base64 PLAIN response for credentials (what lvs7 sends a backend). */
export function encodeSaslPlain(credentials: Credentials): string {
  return Buffer.concat([
    Buffer.from(credentials.authzid, 'utf8'),
    Buffer.from([0]),
    Buffer.from(credentials.username, 'utf8'),
    Buffer.from([0]),
    credentials.password,
  ]).toString('base64');
}
