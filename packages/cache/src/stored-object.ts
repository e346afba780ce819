/**
 * What the store keeps for one response: metadata (kept in memory for both
 * stores, so freshness and ICP answers never touch the disk) and the body.
 */
export interface ObjectMeta {
  /** Storage key: the cache key, plus the request's values of the Vary fields for a variant. */
  readonly key: string;
  /** Cache key: the normalized absolute URL (what ICP asks about). */
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  /** End-to-end response headers as received (no hop-by-hop, no Age, no X-Cache). */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  /** Body bytes. */
  readonly size: number;
  /** When the request that got this response was sent, and when the response arrived (ms). */
  readonly requestTime: number;
  readonly responseTime: number;
  /** RFC 9111 §4.2.3 corrected_initial_age (ms). */
  readonly initialAge: number;
  /** RFC 9111 §4.2.1 freshness lifetime for a shared cache (ms); 0 without explicit freshness. */
  readonly lifetime: number;
  /** `no-cache` (without field names) in the response: validate before every use. */
  readonly noCache: boolean;
  /** `must-revalidate` / `proxy-revalidate` / `s-maxage`: never serve stale. */
  readonly mustRevalidate: boolean;
  /** Lowercase request field names the response varies on; absent when it has no Vary. */
  readonly vary?: readonly string[] | undefined;
}

export interface StoredObject {
  readonly meta: ObjectMeta;
  readonly body: Buffer;
}

/** Bytes an object costs in a store: its body plus a rough share for metadata. */
export function objectCost(meta: ObjectMeta): number {
  let headerBytes = 0;
  for (const [name, value] of Object.entries(meta.headers)) {
    headerBytes += name.length + (typeof value === 'string' ? value.length : value.join('').length) + 4;
  }
  return meta.size + headerBytes + meta.key.length + 128;
}

export function hasValidator(meta: ObjectMeta): boolean {
  return meta.headers.etag !== undefined || meta.headers['last-modified'] !== undefined;
}
