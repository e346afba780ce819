import { SmtpError } from './errors.js';

/** The argument of MAIL FROM / RCPT TO: the address (empty for the null sender) and ESMTP parameters. */
export interface PathArgument {
  readonly address: string;
  /** Upper-cased keyword → value (`true` for a keyword without `=value`). */
  readonly params: ReadonlyMap<string, string | true>;
}

const LOCAL = /^(?:"(?:[^"\\\r\n]|\\.)*"|[^\s@<>()[\]\\,;:"]+)$/;
const DOMAIN = /^(?:\[[^\]\s]+\]|[^\s@<>()[\]\\,;:"]+)$/;
const PARAM = /^([A-Za-z0-9][A-Za-z0-9-]*)(?:=([^\s=]*))?$/;
// Source routes (`<@a,@b:user@c>`) are obsolete; RFC 5321 says to accept and ignore them.
const SOURCE_ROUTE = /^@[^:]*:/;

/**
 * Parses `FROM:<a@b> SIZE=10` / `TO:<c@d>`. Tolerates a space after the
 * colon and a missing pair of brackets around an address without spaces,
 * as Postfix does; throws SmtpError (501) otherwise.
 */
export function parsePathArgument(argument: string, keyword: 'FROM' | 'TO'): PathArgument {
  const head = argument.slice(0, keyword.length + 1).toUpperCase();
  if (head !== `${keyword}:`)
    throw new SmtpError(
      'LVS7_SMTP_SYNTAX',
      `Syntax: ${keyword === 'FROM' ? 'MAIL FROM:<address>' : 'RCPT TO:<address>'}`,
    );
  let rest = argument.slice(keyword.length + 1).trimStart();
  let path: string;
  if (rest.startsWith('<')) {
    const end = rest.indexOf('>');
    if (end < 0) throw new SmtpError('LVS7_SMTP_BAD_ADDRESS');
    path = rest.slice(1, end);
    rest = rest.slice(end + 1);
  } else {
    const space = rest.indexOf(' ');
    path = space < 0 ? rest : rest.slice(0, space);
    rest = space < 0 ? '' : rest.slice(space);
  }
  path = path.replace(SOURCE_ROUTE, '');
  if (!(path === '' ? keyword === 'FROM' : isValidAddress(path) || isBarePostmaster(path))) {
    throw new SmtpError('LVS7_SMTP_BAD_ADDRESS');
  }
  const params = new Map<string, string | true>();
  for (const word of rest.split(' ')) {
    if (word === '') continue;
    const m = PARAM.exec(word);
    if (m === null) throw new SmtpError('LVS7_SMTP_SYNTAX', `Bad parameter syntax: ${word.slice(0, 40)}`);
    params.set(m[1]!.toUpperCase(), m[2] ?? true);
  }
  return { address: path, params };
}

export function isValidAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1 || address.length > 320) return false;
  return LOCAL.test(address.slice(0, at)) && DOMAIN.test(address.slice(at + 1));
}

/** `RCPT TO:<Postmaster>` without a domain must be accepted (RFC 5321 §4.5.1). */
export function isBarePostmaster(address: string): boolean {
  return address.toLowerCase() === 'postmaster';
}

/** The lower-cased domain of an address, '' when it has none. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII is exactly this range.
const NON_ASCII = /[^\x00-\x7f]/;

export function isAscii(text: string): boolean {
  return !NON_ASCII.test(text);
}

/** RFC 3461 xtext, as XCLIENT and XFORWARD values are written. */
export function xtext(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out +=
      byte < 33 || byte > 126 || byte === 0x2b || byte === 0x3d
        ? `+${byte.toString(16).toUpperCase().padStart(2, '0')}`
        : String.fromCharCode(byte);
  }
  return out;
}
