/** Character classes of IMAP syntax (RFC 3501 9), as loops rather than control-character regexes. */

const ATOM_SPECIALS = new Set(['(', ')', '{', '%', '*', '"', '\\', ']']);

/** A non-empty atom: printable 7-bit characters except atom-specials. */
export function isAtom(value: string): boolean {
  if (value.length === 0) return false;
  for (const c of value) {
    const code = c.charCodeAt(0);
    if (code <= 0x20 || code >= 0x7f || ATOM_SPECIALS.has(c)) return false;
  }
  return true;
}

/** 7-bit text without NUL, CR or LF: can go in a quoted string. */
export function isQuotable(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0 || code === 0x0a || code === 0x0d || code > 0x7f) return false;
  }
  return true;
}

export function isAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return false;
  return true;
}

export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
