/**
 * A map bounded by the total size of its values (bytes), evicting the least
 * recently used entries first. A Map keeps insertion order, so "touch" is
 * delete + set and the oldest entry is the first key: every operation is O(1).
 */
export class ByteLru<V> {
  readonly capacity: number;
  readonly #entries = new Map<string, { value: V; size: number }>();
  readonly #onEvict: ((key: string, value: V) => void) | undefined;
  #bytes = 0;

  constructor(capacity: number, onEvict?: (key: string, value: V) => void) {
    this.capacity = capacity;
    this.#onEvict = onEvict;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** The value, marked as most recently used. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** The value without changing its recency. */
  peek(key: string): V | undefined {
    return this.#entries.get(key)?.value;
  }

  /**
   * Adds or replaces an entry as most recently used, then evicts the least
   * recently used ones until the total fits. Returns false (and stores
   * nothing) when `size` alone exceeds the capacity.
   */
  set(key: string, value: V, size: number): boolean {
    if (size > this.capacity) {
      this.delete(key);
      return false;
    }
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#bytes -= old.size;
      this.#entries.delete(key);
    }
    this.#entries.set(key, { value, size });
    this.#bytes += size;
    this.#evict();
    return true;
  }

  /** Removes an entry (no eviction callback: the caller knows). */
  delete(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#bytes -= entry.size;
    return entry.value;
  }

  keys(): IterableIterator<string> {
    return this.#entries.keys();
  }

  #evict(): void {
    while (this.#bytes > this.capacity) {
      const [key, entry] = this.#entries.entries().next().value as [string, { value: V; size: number }];
      this.#entries.delete(key);
      this.#bytes -= entry.size;
      this.#onEvict?.(key, entry.value);
    }
  }
}
