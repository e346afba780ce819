import { type HeaderMap, httpDate, joined, single } from './cache-control.js';

/** Weak comparison of entity tags (RFC 9110 §8.8.3.2): W/ prefixes ignored. */
function weakEqual(a: string, b: string): boolean {
  const strip = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);
  return strip(a) === strip(b);
}

/** The entity tags of an If-None-Match list (commas inside quotes kept). */
function entityTags(value: string): string[] {
  return value.match(/(?:W\/)?"[^"]*"|\*/g) ?? [];
}

/**
 * Whether a GET or HEAD may be answered 304 from a response with these
 * headers (RFC 9110 §13.1.2, §13.1.3, §13.2.2): If-None-Match by weak
 * comparison; If-Modified-Since only without If-None-Match, against
 * Last-Modified.
 */
export function notModified(request: HeaderMap, response: HeaderMap): boolean {
  const inm = joined(request['if-none-match']).trim();
  if (inm !== '') {
    const etag = single(response.etag)?.trim();
    return entityTags(inm).some((tag) => tag === '*' || (etag !== undefined && weakEqual(tag, etag)));
  }
  const since = httpDate(request['if-modified-since']);
  if (since === undefined) return false;
  const lastModified = httpDate(response['last-modified']);
  return lastModified !== undefined && lastModified <= since;
}

/** Fields of a 304 (RFC 9110 §15.4.5): those a 200 would carry that describe the object or its caching. */
const NOT_MODIFIED_FIELDS = [
  'cache-control',
  'content-location',
  'date',
  'etag',
  'expires',
  'last-modified',
  'vary',
  'via',
];

export function notModifiedHeaders(response: HeaderMap): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of NOT_MODIFIED_FIELDS) {
    const value = response[name];
    if (value !== undefined) out[name] = typeof value === 'string' ? value : [...value];
  }
  return out;
}
