import { type HeaderMap, type HeaderValue, joined } from './cache-control.js';

/**
 * The request fields a response varies on: undefined when it has no Vary,
 * '*' when it varies on everything (never reusable), else the lowercase
 * names, sorted and deduplicated so equivalent Vary headers give one key.
 */
export function varyFields(headers: HeaderMap): readonly string[] | '*' | undefined {
  const value = joined(headers.vary).trim();
  if (value === '') return undefined;
  const names = new Set<string>();
  for (const part of value.split(',')) {
    const name = part.trim().toLowerCase();
    if (name === '*') return '*';
    if (name !== '') names.add(name);
  }
  return names.size === 0 ? undefined : [...names].sort();
}

/** A field's value normalized for matching (RFC 9111 §4.1): values combined, whitespace collapsed. */
function normalized(value: HeaderValue): string {
  return joined(value)
    .replace(/\s*,\s*/g, ',')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The storage key of a variant: the cache key plus the request's values of
 * the Vary fields (secondary key). A field absent from the request is kept
 * distinct from one present but empty.
 */
export function variantKey(url: string, fields: readonly string[], request: HeaderMap): string {
  let key = url;
  for (const name of fields) {
    const value = request[name];
    key += value === undefined ? `\n${name}` : `\n${name}:${normalized(value)}`;
  }
  return key;
}

interface VaryEntry {
  readonly fields: readonly string[];
  readonly variants: Set<string>;
}

/**
 * Which URLs have varying responses, on which fields, and the variants
 * stored (Squid keeps a "vary marker" object per URL for the same reason).
 * Bounded: the least recently used URLs are forgotten first (their variants
 * are then unreachable and age out of the stores).
 */
export class VaryIndex {
  readonly #entries = new Map<string, VaryEntry>();
  readonly #maxEntries: number;

  constructor(maxEntries = 100_000) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The Vary fields known for `url`, or undefined when its responses do not vary. */
  fields(url: string): readonly string[] | undefined {
    const entry = this.#entries.get(url);
    if (entry === undefined) return undefined;
    this.#entries.delete(url);
    this.#entries.set(url, entry);
    return entry.fields;
  }

  variants(url: string): ReadonlySet<string> {
    return this.#entries.get(url)?.variants ?? new Set();
  }

  /**
   * Records a stored variant. Returns the variant keys that became
   * unreachable because the URL's Vary fields changed (the caller drops them).
   */
  add(url: string, fields: readonly string[], key: string): string[] {
    const entry = this.#entries.get(url);
    let dropped: string[] = [];
    if (entry !== undefined && sameFields(entry.fields, fields)) {
      entry.variants.add(key);
      return dropped;
    }
    if (entry !== undefined) dropped = [...entry.variants];
    this.#entries.delete(url);
    this.#entries.set(url, { fields, variants: new Set([key]) });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      dropped.push(...this.#entries.get(oldest)!.variants);
      this.#entries.delete(oldest);
    }
    return dropped;
  }

  /** A variant left the store. */
  removeVariant(url: string, key: string): void {
    const entry = this.#entries.get(url);
    if (entry === undefined) return;
    entry.variants.delete(key);
    if (entry.variants.size === 0) this.#entries.delete(url);
  }

  /** Forgets the URL; returns its variants' keys. */
  forget(url: string): string[] {
    const entry = this.#entries.get(url);
    this.#entries.delete(url);
    return entry === undefined ? [] : [...entry.variants];
  }
}

function sameFields(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}
