import type { MailboxEntry } from '../directory.js';
import type { LdifEntry } from '../ldif.js';
import { isSupportedPassword } from '../password/verify.js';
import { toMailboxEntry } from './entry.js';

export interface IndexedEntry {
  readonly entry: MailboxEntry;
  /** userPassword values, kept out of MailboxEntry.attributes. */
  readonly passwords: readonly string[];
}

export interface FileIndex {
  /** Lower-cased lookup value → entry; null when several entries claim it (ambiguous = no such user). */
  readonly byKey: ReadonlyMap<string, IndexedEntry | null>;
  readonly entries: number;
  /** Problems worth a warning: ambiguous keys, password schemes that cannot be checked. */
  readonly warnings: readonly string[];
}

/**
 * Indexes LDIF entries by the lower-cased values of `lookupAttributes`
 * (the file's equivalent of an LDAP filter). Entries with none of them
 * (the suffix, organizational units) are skipped.
 */
export function buildFileIndex(
  ldif: readonly LdifEntry[],
  lookupAttributes: readonly string[],
  hostAttribute: string,
): FileIndex {
  const byKey = new Map<string, IndexedEntry | null>();
  const owners = new Map<string, string>();
  const warnings: string[] = [];
  const names = lookupAttributes.map((a) => a.toLowerCase());
  let entries = 0;
  for (const { dn, line, attributes } of ldif) {
    const keys = new Set(names.flatMap((n) => attributes[n] ?? []).map((v) => v.trim().toLowerCase()));
    keys.delete('');
    if (keys.size === 0) continue;
    entries++;
    const passwords = attributes['userpassword'] ?? [];
    if (passwords.some((p) => !isSupportedPassword(p))) {
      warnings.push(`line ${line}: ${dn}: userPassword uses an unsupported {CRYPT} format`);
    }
    const indexed: IndexedEntry = {
      entry: toMailboxEntry(dn, attributes, hostAttribute.toLowerCase()),
      passwords,
    };
    for (const key of keys) {
      const owner = owners.get(key);
      if (owner === undefined) {
        owners.set(key, dn);
        byKey.set(key, indexed);
      } else if (owner !== dn) {
        byKey.set(key, null);
        warnings.push(`line ${line}: "${key}" names both ${owner} and ${dn}: lookups of it find nobody`);
      }
    }
  }
  return { byKey, entries, warnings };
}
