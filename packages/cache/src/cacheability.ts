import { type Directives, type HeaderMap, parseCacheControl } from './cache-control.js';
import { freshnessLifetime, initialAge } from './freshness.js';
import { storedHeaders } from './headers.js';
import type { ObjectMeta } from './stored-object.js';
import { varyFields } from './vary.js';

/** Status codes this cache stores (RFC 9110 §15.1's heuristically cacheable codes, 206 excepted). */
const STORABLE_STATUS = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]);

export interface ResponseFacts {
  readonly method: string;
  readonly status: number;
  readonly requestHeaders: HeaderMap;
  readonly requestCc: Directives;
  readonly responseHeaders: HeaderMap;
}

/**
 * Why a response may not be stored by a shared cache (RFC 9111 §3), or
 * undefined when it may. Stricter than the RFC in two places: responses
 * with Set-Cookie are not stored, and a response with neither explicit
 * freshness nor a validator is not stored (heuristic freshness is off, so
 * it could never be served).
 */
export function unstorableReason(facts: ResponseFacts): string | undefined {
  if (facts.method !== 'GET') return 'method';
  if (!STORABLE_STATUS.has(facts.status)) return 'status';
  const cc = parseCacheControl(facts.responseHeaders['cache-control']);
  if (facts.requestCc.has('no-store') || cc.has('no-store')) return 'no-store';
  if (cc.has('private')) return 'private';
  if (
    facts.requestHeaders.authorization !== undefined &&
    !(cc.has('public') || cc.has('s-maxage') || cc.has('must-revalidate'))
  ) {
    return 'authorization';
  }
  if (varyFields(facts.responseHeaders) === '*') return 'vary-star';
  if (facts.responseHeaders['set-cookie'] !== undefined) return 'set-cookie';
  const h = facts.responseHeaders;
  if (freshnessLifetime(cc, h) === 0 && h.etag === undefined && h['last-modified'] === undefined) {
    return 'no-freshness-no-validator';
  }
  return undefined;
}

export interface MetaInput {
  readonly key: string;
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  readonly headers: HeaderMap;
  readonly size: number;
  readonly requestTime: number;
  readonly responseTime: number;
}

/** The stored metadata of a response: headers to keep and the freshness facts computed once. */
export function describeResponse(input: MetaInput): ObjectMeta {
  const cc = parseCacheControl(input.headers['cache-control']);
  const vary = varyFields(input.headers);
  return {
    key: input.key,
    url: input.url,
    status: input.status,
    statusText: input.statusText,
    headers: storedHeaders(input.headers),
    size: input.size,
    requestTime: input.requestTime,
    responseTime: input.responseTime,
    initialAge: initialAge(input.headers, input.requestTime, input.responseTime),
    lifetime: freshnessLifetime(cc, input.headers),
    noCache: cc.has('no-cache'),
    mustRevalidate: cc.has('must-revalidate') || cc.has('proxy-revalidate') || cc.has('s-maxage'),
    ...(vary === undefined || vary === '*' ? {} : { vary }),
  };
}

/**
 * The metadata after a 304 (RFC 9111 §4.3.4): the stored headers updated
 * with those of the 304 (Content-Length and framing excepted) and the
 * freshness recomputed from the new times.
 */
export function freshenMeta(
  meta: ObjectMeta,
  notModified: HeaderMap,
  requestTime: number,
  responseTime: number,
): ObjectMeta {
  const merged: Record<string, string | readonly string[]> = { ...meta.headers };
  for (const [name, value] of Object.entries(storedHeaders(notModified))) {
    if (name === 'content-length' || name === 'content-encoding' || name === 'content-type') continue;
    merged[name] = value;
  }
  // The 304's own Age (stored headers have none) counts for the new initial age.
  if (notModified.age !== undefined) merged.age = notModified.age;
  const { vary: _ignored, ...fresh } = describeResponse({
    ...meta,
    headers: merged,
    requestTime,
    responseTime,
  });
  // The object stays under its key: keep the Vary fields it was stored with.
  return meta.vary === undefined ? fresh : { ...fresh, vary: meta.vary };
}
