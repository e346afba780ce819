import libmime from 'libmime';
import { type HeaderLine, headerValue, type MimeNode } from './mime-tree.js';

/**
 * Text of a message for searching: header values with encoded words decoded,
 * and text parts with their transfer encoding and charset undone.
 */
export function decodedHeaders(headers: readonly HeaderLine[], field?: string): string {
  return headers
    .filter((h) => field === undefined || h.key === field)
    .map((h) => safeDecodeWords(h.value))
    .join('\n');
}

function safeDecodeWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

/** The decoded text of every text/* part (and nested messages' headers). */
export function bodyText(data: Buffer, node: MimeNode): string {
  const out: string[] = [];
  collect(data, node, out);
  return out.join('\n');
}

function collect(data: Buffer, node: MimeNode, out: string[]): void {
  if (node.children.length > 0) {
    for (const child of node.children) collect(data, child, out);
    return;
  }
  if (node.message) {
    out.push(decodedHeaders(node.message.headers));
    collect(data, node.message, out);
    return;
  }
  const { type } = node.contentType;
  if (type !== 'text') return;
  const raw = data.subarray(node.bodyStart, node.end);
  const encoding = headerValue(node.headers, 'content-transfer-encoding')?.trim().toLowerCase();
  const bytes =
    encoding === 'base64'
      ? Buffer.from(raw.toString('latin1'), 'base64')
      : encoding === 'quoted-printable'
        ? decodeQp(raw)
        : raw;
  out.push(decodeCharset(bytes, node.contentType.params.charset));
}

export function decodeQp(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/=\r?\n/g, '');
  const out = Buffer.allocUnsafe(text.length);
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out[o++] = Number.parseInt(text.slice(i + 1, i + 3), 16);
      i += 2;
    } else out[o++] = c;
  }
  return out.subarray(0, o);
}

function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  const name = (charset ?? 'utf-8').toLowerCase();
  try {
    return new TextDecoder(name === 'us-ascii' ? 'utf-8' : name).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}
