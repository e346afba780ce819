import libmime from 'libmime';
import { type EnvelopeAddress, parseAddressList } from '../../mime/addresses.js';
import { type HeaderLine, headerValue, isMessage, type MimeNode } from '../../mime/mime-tree.js';
import { isAscii } from '../chars.js';
import type { ImapOut } from '../wire.js';

/** ENVELOPE and BODY/BODYSTRUCTURE (RFC 3501 7.4.2) of a parsed message. */

export function writeEnvelope(out: ImapOut, headers: readonly HeaderLine[]): void {
  const text = (key: string) => headerValue(headers, key);
  const from = text('from');
  out.raw('(');
  out.nstring(text('date')).raw(' ');
  out.nstring(text('subject')).raw(' ');
  writeAddresses(out, from);
  out.raw(' ');
  writeAddresses(out, text('sender') ?? from);
  out.raw(' ');
  writeAddresses(out, text('reply-to') ?? from);
  for (const key of ['to', 'cc', 'bcc']) {
    out.raw(' ');
    writeAddresses(out, text(key));
  }
  out.raw(' ');
  out.nstring(text('in-reply-to')).raw(' ');
  out.nstring(text('message-id')).raw(')');
}

function writeAddresses(out: ImapOut, value: string | undefined): void {
  const list: EnvelopeAddress[] = value ? parseAddressList(value) : [];
  if (list.length === 0) {
    out.raw('NIL');
    return;
  }
  out.raw('(');
  for (const address of list) {
    out
      .raw('(')
      .nstring(address.name)
      .raw(' NIL ')
      .nstring(address.mailbox)
      .raw(' ')
      .nstring(address.host)
      .raw(')');
  }
  out.raw(')');
}

/** BODYSTRUCTURE when `extended`, BODY otherwise. */
export function writeBodyStructure(out: ImapOut, node: MimeNode, data: Buffer, extended: boolean): void {
  const type = node.contentType;
  if (type.type === 'multipart') {
    out.raw('(');
    if (node.children.length === 0) {
      // A multipart without parts still needs one body: an empty text part.
      out.raw('("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0)');
    }
    for (const child of node.children) writeBodyStructure(out, child, data, extended);
    out.raw(' ').string(type.subtype);
    if (extended) {
      out.raw(' ');
      writeParams(out, type.params);
      writeExtension(out, node.headers);
    }
    out.raw(')');
    return;
  }
  const headers = node.headers;
  out.raw('(').string(type.type).raw(' ').string(type.subtype).raw(' ');
  writeParams(out, type.params);
  out.raw(' ').nstring(headerValue(headers, 'content-id'));
  out.raw(' ').nstring(headerValue(headers, 'content-description'));
  out.raw(' ').string((headerValue(headers, 'content-transfer-encoding') ?? '7bit').toLowerCase());
  out.raw(` ${node.end - node.bodyStart}`);
  if (isMessage(type) && node.message) {
    out.raw(' ');
    writeEnvelope(out, node.message.headers);
    out.raw(' ');
    writeBodyStructure(out, node.message, data, extended);
    out.raw(` ${countLines(data, node.bodyStart, node.end)}`);
  } else if (type.type === 'text') {
    out.raw(` ${countLines(data, node.bodyStart, node.end)}`);
  }
  if (extended) {
    out.raw(' ').nstring(headerValue(headers, 'content-md5'));
    writeExtension(out, headers);
  }
  out.raw(')');
}

/** disposition, language, location (shared by single and multi parts). */
function writeExtension(out: ImapOut, headers: readonly HeaderLine[]): void {
  const disposition = headerValue(headers, 'content-disposition');
  out.raw(' ');
  if (disposition) {
    const parsed = libmime.parseHeaderValue(disposition, { stripComments: true });
    out
      .raw('(')
      .string(parsed.value.trim().toLowerCase() || 'attachment')
      .raw(' ');
    writeParams(out, parsed.params);
    out.raw(')');
  } else out.raw('NIL');
  const language = headerValue(headers, 'content-language');
  const languages = language
    ? language
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean)
    : [];
  out.raw(' ');
  if (languages.length === 0) out.raw('NIL');
  else if (languages.length === 1) out.string(languages[0]!);
  else {
    out.raw('(');
    languages.forEach((l, i) => {
      out.raw(i ? ' ' : '').string(l);
    });
    out.raw(')');
  }
  out.raw(' ').nstring(headerValue(headers, 'content-location'));
}

/**
 * Parameter list; RFC 2231 values come back decoded from libmime, and a
 * non-ASCII one is re-encoded as an RFC 2047 word, which clients decode.
 */
function writeParams(out: ImapOut, params: Readonly<Record<string, string>>): void {
  const keys = Object.keys(params);
  if (keys.length === 0) {
    out.raw('NIL');
    return;
  }
  out.raw('(');
  keys.forEach((key, i) => {
    const value = params[key]!;
    const ascii = isAscii(value) ? value : libmime.encodeWord(value, 'B');
    out
      .raw(i ? ' ' : '')
      .string(key)
      .raw(' ')
      .string(ascii);
  });
  out.raw(')');
}

function countLines(data: Buffer, start: number, end: number): number {
  let lines = 0;
  // Line ends, as Dovecot counts: an unterminated last line does not count.
  for (let i = start; i < end; i++) if (data[i] === 0x0a) lines++;
  return lines;
}
