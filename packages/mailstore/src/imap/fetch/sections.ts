import { isMessage, type MimeNode } from '../../mime/mime-tree.js';
import type { Section } from './fetch-items.js';

const EMPTY = Buffer.alloc(0);

/**
 * The part a section path names (RFC 3501 6.4.5): in a multipart, part n is
 * its n-th child; a single-part body is its own part 1; past a
 * message/rfc822 part, numbering continues inside the encapsulated message.
 */
export function findPart(root: MimeNode, path: readonly number[]): MimeNode | undefined {
  let node: MimeNode | undefined = root;
  path.forEach((n, i) => {
    if (!node) return;
    if (i > 0 && node.message) node = node.message;
    if (node.contentType.type === 'multipart') node = node.children[n - 1];
    else if (n !== 1) node = undefined;
  });
  return node;
}

/** The bytes of a section (empty when the message has no such part). */
export function sectionData(data: Buffer, root: MimeNode, section: Section): Buffer {
  const part = findPart(root, section.path);
  if (!part) return EMPTY;
  const { kind } = section;
  if (kind === '') return section.path.length === 0 ? data : data.subarray(part.bodyStart, part.end);
  if (kind === 'MIME') return data.subarray(part.start, part.bodyStart);
  // HEADER / TEXT / HEADER.FIELDS of a part are those of its encapsulated message.
  const message = section.path.length === 0 ? root : isMessage(part.contentType) ? part.message : undefined;
  if (!message) return EMPTY;
  if (kind === 'TEXT') return data.subarray(message.bodyStart, message.end);
  if (kind === 'HEADER') return data.subarray(message.start, message.bodyStart);
  const names = section.fieldSet ?? new Set(section.fields.map((f) => f.toLowerCase()));
  const keep = kind === 'HEADER.FIELDS';
  const lines = message.headers.filter((h) => names.has(h.key) === keep).map((h) => h.raw);
  // Each field ends in CRLF; a blank line closes the header block.
  return Buffer.concat([
    ...lines.map((raw) => (raw.at(-1) === 0x0a ? raw : Buffer.concat([raw, Buffer.from('\r\n')]))),
    Buffer.from('\r\n'),
  ]);
}

/** `<start.length>` of a section; the response names the start. */
export function applyPartial(data: Buffer, partial: { start: number; length: number } | undefined): Buffer {
  if (!partial) return data;
  if (partial.start >= data.length) return EMPTY;
  return data.subarray(partial.start, partial.start + partial.length);
}
