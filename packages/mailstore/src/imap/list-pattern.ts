import { INBOX, SEPARATOR } from '../maildir/user-store.js';

/**
 * LIST/LSUB patterns: `*` matches anything, `%` anything but the hierarchy
 * separator; INBOX matches in any case.
 */
export function listMatcher(reference: string, pattern: string): (name: string) => boolean {
  const full = reference + pattern;
  const source = full
    .split('')
    .map((c) =>
      c === '*' ? '.*' : c === '%' ? `[^${SEPARATOR}]*` : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'),
    )
    .join('');
  const exact = new RegExp(`^${source}$`);
  const inbox = /^inbox/i.test(full) ? new RegExp(`^${source}$`, 'i') : undefined;
  return (name) => exact.test(name) || (name.toUpperCase().startsWith(INBOX) && inbox?.test(name) === true);
}

export interface ListEntry {
  readonly name: string;
  readonly attributes: readonly string[];
}

/**
 * Matching mailboxes with their attributes; parents that do not exist as
 * mailboxes (a/b exists, a does not) are listed \Noselect.
 */
export function listMailboxes(existing: readonly string[], matches: (name: string) => boolean): ListEntry[] {
  const exists = new Set(existing);
  const all = new Set(existing);
  for (const name of existing) {
    const parts = name.split(SEPARATOR);
    for (let i = 1; i < parts.length; i++) all.add(parts.slice(0, i).join(SEPARATOR));
  }
  const hasChildren = (name: string) => [...all].some((n) => n.startsWith(`${name}${SEPARATOR}`));
  const out: ListEntry[] = [];
  for (const name of [...all].sort((a, b) => (a === INBOX ? -1 : b === INBOX ? 1 : a.localeCompare(b)))) {
    if (!matches(name)) continue;
    const attributes = [hasChildren(name) ? '\\HasChildren' : '\\HasNoChildren'];
    if (!exists.has(name)) attributes.unshift('\\Noselect');
    out.push({ name, attributes });
  }
  return out;
}
