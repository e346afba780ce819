import type { MailboxEntry } from '../directory.js';

/** Attribute values by lower-cased attribute name, as both backends produce them. */
export type RawAttributes = Record<string, string[]>;

/** Longest user a lookup accepts; anything longer is no such user (an address is at most 254). */
const MAX_USER_LENGTH = 1024;

/**
 * The cache and index key of a user: trimmed and lower-cased, since
 * addresses and logins match case-insensitively (mail, uid and
 * mailLocalAddress all have caseIgnore matching rules). Undefined for input
 * that cannot name anybody.
 */
export function normalizeUser(user: string): string | undefined {
  const key = user.trim().toLowerCase();
  return key.length === 0 || key.length > MAX_USER_LENGTH ? undefined : key;
}

/** Secret attributes never leave the package: userPassword, authPassword, sambaNTPassword… */
export function isSecretAttribute(name: string): boolean {
  return name.toLowerCase().includes('password');
}

/**
 * Maps an entry to a MailboxEntry: the mailbox is the first `mail`, else
 * `uid`, else the DN; aliases are the other `mail` values, `mailLocalAddress`
 * and `mailAlternateAddress`; the host is the first value of `hostAttribute`
 * (lower-cased name). The result is frozen: caches hand it to every caller.
 */
export function toMailboxEntry(dn: string, attrs: RawAttributes, hostAttribute: string): MailboxEntry {
  const [mail, ...otherMail] = attrs['mail'] ?? [];
  const uid = attrs['uid']?.[0];
  const mailbox = mail ?? uid ?? dn;
  const seen = new Set([mailbox.toLowerCase()]);
  const aliases: string[] = [];
  for (const alias of [
    ...otherMail,
    ...(attrs['maillocaladdress'] ?? []),
    ...(attrs['mailalternateaddress'] ?? []),
  ]) {
    const key = alias.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    aliases.push(alias);
  }
  const attributes: Record<string, readonly string[]> = {};
  for (const [name, values] of Object.entries(attrs)) {
    if (!isSecretAttribute(name)) attributes[name] = Object.freeze([...values]);
  }
  return Object.freeze({
    mailbox,
    uid,
    host: attrs[hostAttribute]?.[0],
    aliases: Object.freeze(aliases),
    routingAddress: attrs['mailroutingaddress']?.[0],
    dn,
    attributes: Object.freeze(attributes),
  });
}
