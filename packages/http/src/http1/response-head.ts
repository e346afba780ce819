import { MalformedRequestError, UpstreamError } from '../errors.js';
import { FIELD_VALUE } from './chars.js';
import { Fields, listTokens, parseDecimal, parseFields } from './fields.js';
import {
  BODY_CHUNKED,
  BODY_LENGTH,
  BODY_NONE,
  BODY_UNTIL_CLOSE,
  type BodyFraming,
  interpretConnection,
} from './request-head.js';

const HEAD_END = Buffer.from('\r\n\r\n');
/** Servers are trusted more than clients, but not unboundedly. */
export const MAX_RESPONSE_HEAD = 65_536;
const MAX_RESPONSE_FIELDS = 256;

/** A parsed, validated response head from a server. */
export class ResponseHead extends Fields {
  minor = 1;
  status = 0;
  reason = '';
  framing: BodyFraming = BODY_NONE;
  contentLength = 0;
  connClose = false;
  connKeepAlive = false;
  connUpgrade = false;
  connTokens: string[] | null = null;
  /** The server may keep the connection open after this response. */
  get keepAlive(): boolean {
    return this.minor === 1 ? !this.connClose : this.connKeepAlive && !this.connClose;
  }
}

function bad(message: string, cause?: unknown): UpstreamError {
  return new UpstreamError('LVS7_HTTP_BAD_RESPONSE', 'invalid-response', message, { cause });
}

/**
 * Parses a response head at `start`; returns the offset past it or -1 when
 * incomplete. `bodiless` is true for responses to HEAD (no body whatever
 * the fields say). Throws UpstreamError (502) on anything malformed.
 */
export function parseResponseHead(buf: Buffer, start: number, bodiless: boolean, out: ResponseHead): number {
  const end = buf.indexOf(HEAD_END, start);
  if (end < 0) {
    if (buf.length - start > MAX_RESPONSE_HEAD) throw bad('response head too large');
    return -1;
  }
  if (end - start > MAX_RESPONSE_HEAD) throw bad('response head too large');
  const s = buf.toString('latin1', start, end + 2);
  const lineEnd = s.indexOf('\r\n');
  // HTTP/1.x SP 3DIGIT [SP reason]
  if (lineEnd < 12 || !s.startsWith('HTTP/1.') || s.charCodeAt(8) !== 0x20)
    throw bad('malformed status line');
  const minor = s.charCodeAt(7) - 0x30;
  const status = parseDecimal(s.slice(9, 12));
  if ((minor !== 0 && minor !== 1) || status < 100 || status > 999) throw bad('malformed status line');
  if (lineEnd > 12) {
    if (s.charCodeAt(12) !== 0x20) throw bad('malformed status line');
    for (let i = 13; i < lineEnd; i++)
      if (FIELD_VALUE[s.charCodeAt(i)] !== 1) throw bad('malformed reason phrase');
  }
  out.minor = minor;
  out.status = status;
  out.reason = lineEnd > 13 ? s.slice(13, lineEnd) : '';
  try {
    parseFields(s, lineEnd + 2, s.length, MAX_RESPONSE_FIELDS, out);
  } catch (error) {
    if (error instanceof MalformedRequestError) throw bad(error.message, error);
    throw error;
  }
  interpretResponseFields(out, bodiless);
  return end + 4;
}

/** RFC 9112 §6.3, in order; a message both chunked and sized is refused, not guessed. */
function interpretResponseFields(out: ResponseHead, bodiless: boolean): void {
  const { lower, values } = out;
  let te: string[] | null = null;
  let cl = -2;
  for (let i = 0; i < lower.length; i++) {
    switch (lower[i]) {
      case 'content-length': {
        const n = parseDecimal(values[i]!);
        if (n < 0 || (cl !== -2 && cl !== n)) throw bad('invalid Content-Length');
        cl = n;
        break;
      }
      case 'transfer-encoding':
        listTokens(values[i]!, (te ??= []));
        break;
      case 'connection':
        interpretConnection(out, values[i]!);
        break;
    }
  }
  const status = out.status;
  if (te !== null && cl !== -2) throw bad('both Content-Length and Transfer-Encoding');
  if (bodiless || status < 200 || status === 204 || status === 304) {
    out.framing = BODY_NONE;
    out.contentLength = Math.max(cl, 0);
  } else if (te !== null) {
    // Other codings would reach the client undecoded once we drop the
    // hop-by-hop Transfer-Encoding, so only plain chunked is accepted.
    if (te.length !== 1 || te[0] !== 'chunked') throw bad('unsupported transfer coding');
    out.framing = BODY_CHUNKED;
  } else if (cl >= 0) {
    out.framing = cl > 0 ? BODY_LENGTH : BODY_NONE;
    out.contentLength = cl;
  } else {
    out.framing = BODY_UNTIL_CLOSE;
  }
}
