import libmime from 'libmime';

/**
 * A message's MIME structure with byte offsets into the CRLF form, which is
 * what IMAP sections, sizes and partial fetches are counted in. Header values
 * and parameters are parsed with libmime; this module only finds the parts.
 */
export interface HeaderLine {
  /** Lower-case field name. */
  readonly key: string;
  /** Unfolded value, as UTF-8 text. */
  readonly value: string;
  /** The raw field, with its folding and final CRLF. */
  readonly raw: Buffer;
}

export interface ContentType {
  readonly type: string;
  readonly subtype: string;
  readonly params: Readonly<Record<string, string>>;
}

export interface MimeNode {
  readonly start: number;
  /** First byte of the body (after the blank line). */
  readonly bodyStart: number;
  readonly end: number;
  readonly headers: readonly HeaderLine[];
  readonly contentType: ContentType;
  readonly children: readonly MimeNode[];
  /** The encapsulated message of a message/rfc822 part. */
  readonly message?: MimeNode | undefined;
}

const MAX_DEPTH = 32;

export function parseMime(data: Buffer): MimeNode {
  return parseNode(data, 0, data.length, 'text/plain', 0);
}

function parseNode(data: Buffer, start: number, end: number, defaultType: string, depth: number): MimeNode {
  let bodyStart: number;
  let headerEnd: number;
  if (data[start] === 0x0d && data[start + 1] === 0x0a) {
    headerEnd = start;
    bodyStart = start + 2;
  } else {
    const blank = data.indexOf('\r\n\r\n', start);
    if (blank < 0 || blank + 4 > end) {
      headerEnd = end;
      bodyStart = end;
    } else {
      headerEnd = blank + 2;
      bodyStart = blank + 4;
    }
  }
  const headers = parseHeaders(data.subarray(start, headerEnd));
  const contentType = parseContentType(headerValue(headers, 'content-type'), defaultType);
  let children: MimeNode[] = [];
  let message: MimeNode | undefined;
  if (depth < MAX_DEPTH) {
    if (contentType.type === 'multipart' && contentType.params.boundary) {
      const childType = contentType.subtype === 'digest' ? 'message/rfc822' : 'text/plain';
      children = splitParts(data, bodyStart, end, contentType.params.boundary).map(([s, e]) =>
        parseNode(data, s, e, childType, depth + 1),
      );
    } else if (isMessage(contentType) && !isEncoded(headers)) {
      message = parseNode(data, bodyStart, end, 'text/plain', depth + 1);
    }
  }
  return { start, bodyStart, end, headers, contentType, children, message };
}

export function isMessage(type: ContentType): boolean {
  return type.type === 'message' && (type.subtype === 'rfc822' || type.subtype === 'global');
}

function isEncoded(headers: readonly HeaderLine[]): boolean {
  const encoding = headerValue(headers, 'content-transfer-encoding')?.trim().toLowerCase();
  return encoding === 'base64' || encoding === 'quoted-printable';
}

/** [start, end) of each body part between the boundary delimiter lines. */
function splitParts(data: Buffer, start: number, end: number, boundary: string): Array<[number, number]> {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<[number, number]> = [];
  let partStart = -1;
  let pos = start;
  while (pos < end) {
    // A delimiter is "--boundary" at the start of a line; the CRLF before it belongs to it.
    let at: number;
    if (pos === start && data.subarray(start, start + delimiter.length).equals(delimiter)) at = start;
    else {
      const found = data.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), pos);
      if (found < 0 || found >= end) break;
      at = found + 2;
    }
    const after = at + delimiter.length;
    if (after > end) break;
    const closing = data[after] === 0x2d && data[after + 1] === 0x2d;
    const lineEnd = data.indexOf('\r\n', after);
    const next = lineEnd < 0 || lineEnd >= end ? end : lineEnd + 2;
    // "--boundaryX" is not a delimiter: only "--" and white space may follow.
    const rest = data.subarray(closing ? after + 2 : after, lineEnd < 0 || lineEnd >= end ? end : lineEnd);
    if (!/^[ \t]*$/.test(rest.toString('latin1'))) {
      pos = at + 1;
      continue;
    }
    const boundaryEnd = at === start ? at : at - 2;
    if (partStart >= 0) parts.push([partStart, Math.max(partStart, boundaryEnd)]);
    if (closing) return parts;
    partStart = next;
    pos = next === end ? end : next - 2;
  }
  // No closing delimiter: the last part runs to the end.
  if (partStart >= 0 && partStart <= end) parts.push([partStart, end]);
  return parts;
}

export function parseHeaders(block: Buffer): HeaderLine[] {
  const lines: HeaderLine[] = [];
  let pos = 0;
  while (pos < block.length) {
    let next = block.indexOf('\r\n', pos);
    // Folded lines (starting with space or tab) continue the field.
    while (next >= 0 && (block[next + 2] === 0x20 || block[next + 2] === 0x09))
      next = block.indexOf('\r\n', next + 2);
    const fieldEnd = next < 0 ? block.length : next + 2;
    const raw = block.subarray(pos, fieldEnd);
    pos = fieldEnd;
    const text = raw.toString('utf8');
    const colon = text.indexOf(':');
    if (colon <= 0) continue;
    lines.push({
      key: text.slice(0, colon).trim().toLowerCase(),
      value: text
        .slice(colon + 1)
        .replace(/\r\n(?=[ \t])/g, '')
        .replace(/\r\n$/, '')
        .trim(),
      raw,
    });
  }
  return lines;
}

export function headerValue(headers: readonly HeaderLine[], key: string): string | undefined {
  return headers.find((h) => h.key === key)?.value;
}

export function parseContentType(value: string | undefined, defaultType: string): ContentType {
  const parsed = value ? libmime.parseHeaderValue(value, { stripComments: true }) : undefined;
  let full = parsed?.value.trim().toLowerCase() ?? '';
  if (!/^[^/\s]+\/[^/\s]+$/.test(full)) full = defaultType;
  const [type, subtype] = full.split('/') as [string, string];
  const params = { ...(parsed?.params ?? {}) };
  // RFC 2045 5.2: text without a charset is US-ASCII (and BODYSTRUCTURE says so).
  if (type === 'text' && params.charset === undefined) params.charset = 'us-ascii';
  return { type, subtype, params };
}
