/**
 * RFC 5322 address lists as IMAP's ENVELOPE needs them: display name,
 * mailbox and host of each address, groups marked by a start entry (group
 * name, no host) and an end entry. Lenient: what real mail contains.
 */
export interface EnvelopeAddress {
  readonly name: string | undefined;
  readonly mailbox: string | undefined;
  readonly host: string | undefined;
}

type Token = { kind: 'word' | 'quoted' | 'comment' | 'special'; text: string };

function tokenize(value: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '"') {
      let text = '';
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) i++;
        text += value[i++];
      }
      i++;
      tokens.push({ kind: 'quoted', text });
    } else if (c === '(') {
      let depth = 1;
      let text = '';
      i++;
      while (i < value.length && depth > 0) {
        const d = value[i]!;
        if (d === '\\' && i + 1 < value.length) text += value[++i];
        else if (d === '(') depth++;
        else if (d === ')') depth--;
        if (depth > 0 && d !== '\\') text += d;
        i++;
      }
      tokens.push({ kind: 'comment', text: text.trim() });
    } else if ('<>,:;@'.includes(c)) {
      tokens.push({ kind: 'special', text: c });
      i++;
    } else {
      let text = '';
      while (i < value.length && !' \t\r\n"(<>,:;@'.includes(value[i]!)) text += value[i++];
      tokens.push({ kind: 'word', text });
    }
  }
  return tokens;
}

function isSpecial(token: Token | undefined, text: string): boolean {
  return token?.kind === 'special' && token.text === text;
}

function single(tokens: Token[]): EnvelopeAddress | undefined {
  const open = tokens.findIndex((t) => isSpecial(t, '<'));
  let nameTokens: Token[];
  let addrTokens: Token[];
  if (open >= 0) {
    const close = tokens.findIndex((t, i) => i > open && isSpecial(t, '>'));
    nameTokens = tokens.slice(0, open).filter((t) => t.kind !== 'comment');
    addrTokens = tokens.slice(open + 1, close < 0 ? tokens.length : close);
    // An obsolete route (<@a,@b:user@host>) is dropped.
    const colon = addrTokens.findIndex((t) => isSpecial(t, ':'));
    if (colon >= 0) addrTokens = addrTokens.slice(colon + 1);
  } else {
    nameTokens = tokens.filter((t) => t.kind === 'comment');
    addrTokens = tokens.filter((t) => t.kind !== 'comment');
  }
  const name = nameTokens.map((t) => t.text).join(' ') || undefined;
  const addr = addrTokens.map((t) => t.text).join('');
  if (!addr && !name) return undefined;
  const at = addr.lastIndexOf('@');
  return at < 0
    ? { name, mailbox: addr || undefined, host: undefined }
    : { name, mailbox: addr.slice(0, at), host: addr.slice(at + 1) };
}

/** Parses an address list header value (From, To, Cc…). */
export function parseAddressList(value: string): EnvelopeAddress[] {
  const tokens = tokenize(value);
  const out: EnvelopeAddress[] = [];
  let current: Token[] = [];
  let inGroup = false;
  let inAngle = false;
  const flush = () => {
    const address = single(current);
    if (address) out.push(address.host === undefined ? { ...address, host: 'MISSING_DOMAIN' } : address);
    current = [];
  };
  for (const token of tokens) {
    if (isSpecial(token, '<')) inAngle = true;
    if (isSpecial(token, '>')) inAngle = false;
    if (!inAngle && isSpecial(token, ':') && !inGroup) {
      // "name:" starts a group: the group entry has the name as its mailbox.
      const name = current.map((t) => t.text).join(' ');
      out.push({ name: undefined, mailbox: name, host: undefined });
      current = [];
      inGroup = true;
    } else if (!inAngle && isSpecial(token, ';') && inGroup) {
      flush();
      out.push({ name: undefined, mailbox: undefined, host: undefined });
      inGroup = false;
    } else if (!inAngle && isSpecial(token, ',')) {
      flush();
    } else {
      current.push(token);
    }
  }
  flush();
  if (inGroup) out.push({ name: undefined, mailbox: undefined, host: undefined });
  return out;
}
