import { type HeaderMap, httpDate, single } from './cache-control.js';

/** The outcome of a Range request against an object of known size. */
export type RangeResult =
  /** No usable Range: answer 200 with the whole object. */
  | { readonly kind: 'full' }
  /** One satisfiable range: answer 206 with bytes start..end (inclusive). */
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  /** No range can be satisfied: answer 416 with `Content-Range: bytes *\/size`. */
  | { readonly kind: 'unsatisfiable' };

const FULL: RangeResult = { kind: 'full' };

/**
 * Evaluates a request's Range (RFC 9110 §14) against a `size`-byte object.
 * Single byte ranges only (`a-b`, `a-`, `-n`); a multi-range request gets the
 * whole object, which the RFC allows a server to send instead. A Range in
 * another unit or that does not parse is ignored.
 */
export function evaluateRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return FULL;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (match === null) return FULL;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return FULL;
  if (first === '') {
    // Suffix range: the last N bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Number(last);
  if (end < start) return FULL; // invalid range-spec: ignore the header
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}

/**
 * If-Range (RFC 9110 §13.1.5): the Range applies only if the validator
 * matches the stored object's — a strong ETag match, or an HTTP-date equal to
 * a Last-Modified. Otherwise the whole object is sent.
 */
export function ifRangeAllows(request: HeaderMap, response: HeaderMap): boolean {
  const ifRange = single(request['if-range'])?.trim();
  if (ifRange === undefined) return true;
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) {
    const etag = single(response.etag)?.trim();
    return etag !== undefined && !etag.startsWith('W/') && !ifRange.startsWith('W/') && etag === ifRange;
  }
  const date = httpDate(ifRange);
  const lastModified = httpDate(response['last-modified']);
  return date !== undefined && lastModified !== undefined && date === lastModified;
}

/** The Range result for serving a stored (or streaming, length-known) 200 response. */
export function rangeFor(request: HeaderMap, response: HeaderMap, size: number): RangeResult {
  const header = single(request.range);
  if (header === undefined || !ifRangeAllows(request, response)) return FULL;
  return evaluateRange(header, size);
}
