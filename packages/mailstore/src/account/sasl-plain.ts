/** SASL PLAIN (RFC 4616): base64 of `authzid NUL authcid NUL password`. */
export interface PlainCredentials {
  readonly authzid: string;
  readonly user: string;
  readonly password: string;
}

/** Undefined when the response is not valid PLAIN. */
export function decodeSaslPlain(base64: string): PlainCredentials | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64.trim())) return undefined;
  const parts = Buffer.from(base64.trim(), 'base64').toString('utf8').split('\0');
  if (parts.length !== 3 || !parts[1] || !parts[2]) return undefined;
  return { authzid: parts[0]!, user: parts[1], password: parts[2] };
}
