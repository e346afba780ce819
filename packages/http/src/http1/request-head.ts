import { MalformedRequestError } from '../errors.js';
import { TARGET, TOKEN } from './chars.js';
import { Fields, listTokens, parseDecimal, parseFields } from './fields.js';

export interface HeadLimits {
  /** Bytes of the field section (request line excluded). */
  readonly maxHeaderSize: number;
  readonly maxHeaders: number;
  readonly maxRequestLine: number;
}

/** How the body of a message is delimited (RFC 9112 §6.3). */
export const BODY_NONE = 0;
export const BODY_LENGTH = 1;
export const BODY_CHUNKED = 2;
/** Responses only: the body runs until the server closes. */
export const BODY_UNTIL_CLOSE = 3;
export type BodyFraming = 0 | 1 | 2 | 3;

const HEAD_END = Buffer.from('\r\n\r\n');
const AUTHORITY = /^[A-Za-z0-9._~!$&'()*+,;=%:[\]-]*$/;
const TE_TRAILERS = /(^|,)\s*trailers\s*(,|;|$)/i;

/** A parsed, validated request head. Fields are kept as received for re-emission. */
export class RequestHead extends Fields {
  method = '';
  /** The request-target as received (origin-form, or absolute-form rewritten to origin-form). */
  target = '';
  /** Target up to '?' and what follows it (without '?'). */
  path = '';
  query = '';
  /** HTTP/1.x minor version. */
  minor = 1;
  /** Host (or absolute-form authority) as received, and lower-cased without port for routing. */
  authority = '';
  hostname = '';
  framing: BodyFraming = BODY_NONE;
  contentLength = 0;
  /** Connection: close / keep-alive / upgrade, and any other tokens (fields to drop). */
  connClose = false;
  connKeepAlive = false;
  connUpgrade = false;
  connTokens: string[] | null = null;
  /** Upgrade field value when the client asked for a protocol switch. */
  upgrade = '';
  expectContinue = false;
  /** The client accepts trailers (TE: trailers), forwarded as such. */
  teTrailers = false;
  /** Size of the head in bytes (request line to the empty line). */
  size = 0;
  /** Lazily parsed query parameters and cookies (see request-values.ts). */
  params: Map<string, string> | null = null;
  cookies: Map<string, string> | null = null;

  get keepAlive(): boolean {
    return this.minor === 1 ? !this.connClose : this.connKeepAlive && !this.connClose;
  }
}

/**
 * Parses a request head from `buf` at `start`. Returns the offset just past
 * the head, or -1 when the head is not complete yet (after checking that
 * what is buffered is still within limits). Throws MalformedRequestError
 * for everything that could smuggle or that we refuse.
 */
export function parseRequestHead(buf: Buffer, start: number, limits: HeadLimits, out: RequestHead): number {
  // RFC 9112 §2.2: ignore empty lines before the request line.
  while (buf[start] === 0x0d && buf[start + 1] === 0x0a) start += 2;
  const end = buf.indexOf(HEAD_END, start);
  const maxHead = limits.maxRequestLine + 2 + limits.maxHeaderSize + 2;
  if (end < 0) {
    const buffered = buf.length - start;
    if (buffered > 0 && buf.indexOf(0x0a, start) < 0 && buffered > limits.maxRequestLine) {
      throw new MalformedRequestError('LVS7_HTTP_URI_TOO_LONG', 'request line too long');
    }
    if (buffered > maxHead) throw new MalformedRequestError('LVS7_HTTP_HEADERS_TOO_LARGE', 'head too large');
    return -1;
  }
  const s = buf.toString('latin1', start, end + 2);
  const lineEnd = s.indexOf('\r\n');
  if (lineEnd > limits.maxRequestLine)
    throw new MalformedRequestError('LVS7_HTTP_URI_TOO_LONG', 'request line too long');
  if (s.length - lineEnd - 2 > limits.maxHeaderSize) {
    throw new MalformedRequestError('LVS7_HTTP_HEADERS_TOO_LARGE', 'header section too large');
  }
  parseRequestLine(s, lineEnd, out);
  parseFields(s, lineEnd + 2, s.length, limits.maxHeaders, out);
  out.size = end + 4 - start;
  interpretRequestFields(out);
  return end + 4;
}

function badLine(): MalformedRequestError {
  return new MalformedRequestError('LVS7_HTTP_BAD_REQUEST_LINE', 'malformed request line');
}

/** method SP request-target SP HTTP-version, single spaces, nothing else. */
function parseRequestLine(s: string, lineEnd: number, out: RequestHead): void {
  let i = 0;
  while (i < lineEnd && TOKEN[s.charCodeAt(i)] === 1) i++;
  if (i === 0 || s.charCodeAt(i) !== 0x20) throw badLine();
  out.method = s.slice(0, i);
  const t = i + 1;
  i = t;
  while (i < lineEnd && TARGET[s.charCodeAt(i)] === 1) i++;
  if (i === t || s.charCodeAt(i) !== 0x20 || lineEnd - i !== 9) throw badLine();
  const version = s.slice(i + 1, lineEnd);
  if (version === 'HTTP/1.1') out.minor = 1;
  else if (version === 'HTTP/1.0') out.minor = 0;
  else if (/^HTTP\/\d\.\d$/.test(version)) {
    throw new MalformedRequestError('LVS7_HTTP_VERSION_NOT_SUPPORTED', 'HTTP version not supported');
  } else throw badLine();
  let target = s.slice(t, i);
  if (target.charCodeAt(0) !== 0x2f) {
    if (out.method === 'CONNECT') {
      throw new MalformedRequestError('LVS7_HTTP_METHOD_NOT_ALLOWED', 'CONNECT is not supported');
    }
    if (target === '*') {
      if (out.method !== 'OPTIONS') throw badLine();
    } else {
      // absolute-form: the authority replaces Host (RFC 9112 §3.2.2).
      const m = /^https?:\/\/([^/?#@]+)([/?].*)?$/i.exec(target);
      if (m === null) throw badLine();
      out.authority = m[1]!;
      target = m[2] === undefined ? '/' : m[2].charCodeAt(0) === 0x3f ? `/${m[2]}` : m[2];
    }
  }
  out.target = target;
  const q = target.indexOf('?');
  out.path = q < 0 ? target : target.slice(0, q);
  out.query = q < 0 ? '' : target.slice(q + 1);
}

/** Framing, Host and connection management fields, validated once here. */
function interpretRequestFields(out: RequestHead): void {
  const { lower, values } = out;
  let hosts = 0;
  let host = '';
  let te: string[] | null = null;
  let cl = -2;
  for (let i = 0; i < lower.length; i++) {
    switch (lower[i]) {
      case 'host':
        hosts++;
        host = values[i]!;
        break;
      case 'content-length':
        cl = mergeContentLength(cl, values[i]!);
        break;
      case 'transfer-encoding':
        listTokens(values[i]!, (te ??= []));
        break;
      case 'connection':
        interpretConnection(out, values[i]!);
        break;
      case 'upgrade':
        out.upgrade = values[i]!;
        break;
      case 'expect':
        if (values[i]!.toLowerCase() === '100-continue') out.expectContinue = true;
        break;
      case 'te':
        if (TE_TRAILERS.test(values[i]!)) out.teTrailers = true;
        break;
    }
  }
  if (hosts > 1 || (hosts === 0 && out.minor === 1 && out.authority === '')) {
    throw new MalformedRequestError('LVS7_HTTP_BAD_HOST', hosts > 1 ? 'more than one Host' : 'missing Host');
  }
  if (out.authority === '') out.authority = host;
  if (!AUTHORITY.test(out.authority)) {
    throw new MalformedRequestError('LVS7_HTTP_BAD_HOST', 'invalid Host');
  }
  out.hostname = hostnameOf(out.authority);
  if (te !== null) {
    if (cl !== -2) {
      throw new MalformedRequestError(
        'LVS7_HTTP_CONTENT_LENGTH_AND_TRANSFER_ENCODING',
        'both Content-Length and Transfer-Encoding',
      );
    }
    if (out.minor === 0)
      throw new MalformedRequestError('LVS7_HTTP_BAD_TRANSFER_ENCODING', 'Transfer-Encoding in HTTP/1.0');
    // RFC 9112 §6.3: chunked must be final, else the length is unknowable (400);
    // other codings before it we do not implement (501) rather than pass on.
    if (te.length === 0 || te[te.length - 1] !== 'chunked') {
      throw new MalformedRequestError(
        'LVS7_HTTP_BAD_TRANSFER_ENCODING',
        'chunked is not the final transfer coding',
      );
    }
    if (te.length !== 1) {
      throw new MalformedRequestError(
        'LVS7_HTTP_UNSUPPORTED_TRANSFER_ENCODING',
        'unsupported transfer coding',
      );
    }
    out.framing = BODY_CHUNKED;
  } else if (cl >= 0) {
    out.framing = cl > 0 ? BODY_LENGTH : BODY_NONE;
    out.contentLength = cl;
  }
  if (out.minor === 0) out.expectContinue = false;
}

/** Equal duplicates (also as a list) collapse to one; anything else is fatal (RFC 9112 §6.3). */
function mergeContentLength(previous: number, value: string): number {
  let n = parseDecimal(value);
  if (n < 0 && value.includes(',')) {
    const items: string[] = [];
    listTokens(value, items);
    n = items.length > 0 ? parseDecimal(items[0]!) : -1;
    for (const item of items) if (parseDecimal(item) !== n) n = -1;
  }
  if (n < 0) throw new MalformedRequestError('LVS7_HTTP_BAD_CONTENT_LENGTH', 'invalid Content-Length');
  if (previous !== -2 && previous !== n) {
    throw new MalformedRequestError('LVS7_HTTP_BAD_CONTENT_LENGTH', 'conflicting Content-Length values');
  }
  return n;
}

export function interpretConnection(
  out: { connClose: boolean; connKeepAlive: boolean; connUpgrade: boolean; connTokens: string[] | null },
  value: string,
): void {
  const v = value.length < 12 ? value.toLowerCase() : '';
  if (v === 'keep-alive') out.connKeepAlive = true;
  else if (v === 'close') out.connClose = true;
  else {
    const tokens: string[] = [];
    listTokens(value, tokens);
    for (const t of tokens) {
      if (t === 'close') out.connClose = true;
      else if (t === 'keep-alive') out.connKeepAlive = true;
      else if (t === 'upgrade') out.connUpgrade = true;
      else (out.connTokens ??= []).push(t);
    }
  }
}

/** Lower-cased host without port; brackets kept for IPv6 literals. */
export function hostnameOf(authority: string): string {
  let h = authority;
  if (h.charCodeAt(0) === 0x5b) {
    const close = h.indexOf(']');
    h = close < 0 ? h : h.slice(0, close + 1);
  } else {
    const colon = h.lastIndexOf(':');
    if (colon >= 0) h = h.slice(0, colon);
  }
  return h.toLowerCase();
}
