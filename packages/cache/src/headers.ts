import { type HeaderMap, type HeaderValue, joined } from './cache-control.js';

/** Hop-by-hop fields (RFC 9110 §7.6.1), plus the non-standard ones proxies meet in practice. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Fields a cache answers itself: not stored with the object, not relayed from a stored response. */
const CACHE_OWN = new Set(['age', 'x-cache', 'x-cache-lookup', 'content-length']);

/** Conditional and range fields: the cache sends its own when it fetches for the store. */
const CONDITIONAL = new Set([
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
]);

/** The field names the Connection header lists (they are hop-by-hop too). */
function connectionTokens(headers: HeaderMap): Set<string> | undefined {
  const value = joined(headers.connection);
  if (value === '') return undefined;
  return new Set(value.split(',').map((t) => t.trim().toLowerCase()));
}

/** The end-to-end fields of a message: hop-by-hop ones and those named in Connection removed. */
export function endToEnd(headers: Readonly<Record<string, HeaderValue>>): Record<string, string | string[]> {
  const listed = connectionTokens(headers as HeaderMap);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    out[name] = typeof value === 'string' ? value : [...value];
  }
  return out;
}

/** Response fields worth storing with an object. */
export function storedHeaders(
  headers: Readonly<Record<string, HeaderValue>>,
): Record<string, string | string[]> {
  const out = endToEnd(headers);
  for (const name of CACHE_OWN) delete out[name];
  return out;
}

/** This node's Via entry (RFC 9110 §7.6.3), as Squid writes its own: `1.1 NAME (lvs7)`. */
export function viaToken(name: string): string {
  return `1.1 ${name} (lvs7)`;
}

/** Appends our Via entry to a message's Via field. */
export function appendVia(headers: Record<string, string | string[]>, token: string): void {
  const before = joined(headers.via);
  headers.via = before === '' ? token : `${before}, ${token}`;
}

/** True when the request already passed through this node (its Via names us). */
export function viaNames(headers: Readonly<Record<string, HeaderValue>>, token: string): boolean {
  const via = joined(headers.via);
  if (via === '') return false;
  return via.split(',').some((entry) => entry.trim() === token);
}

/** Appends a value to a possibly repeated field (X-Cache lines accumulate along a hierarchy, as Squid's). */
export function appendField(headers: Record<string, string | string[]>, name: string, value: string): void {
  const before = headers[name];
  if (before === undefined) headers[name] = value;
  else headers[name] = typeof before === 'string' ? [before, value] : [...before, value];
}

export interface UpstreamRequestOptions {
  readonly via: string;
  /** Drop the client's conditionals and Range: the cache fetches the full object for its store. */
  readonly forStore: boolean;
  /** Validators of a stale stored object, for revalidation. */
  readonly validators?: { readonly etag?: string | undefined; readonly lastModified?: string | undefined };
}

/**
 * The request fields sent upstream: end-to-end fields of the client's
 * request, our Via, and (for store fills) no client conditionals or Range.
 * Expect is dropped: the cache does not relay 100-continue.
 */
export function upstreamRequestHeaders(
  client: Readonly<Record<string, HeaderValue>>,
  options: UpstreamRequestOptions,
): Record<string, string | string[]> {
  const headers = endToEnd(client);
  delete headers.expect;
  if (options.forStore) {
    for (const name of CONDITIONAL) delete headers[name];
    delete headers.range;
  }
  const v = options.validators;
  if (v?.etag !== undefined) headers['if-none-match'] = v.etag;
  if (v?.lastModified !== undefined) headers['if-modified-since'] = v.lastModified;
  appendVia(headers, options.via);
  return headers;
}
