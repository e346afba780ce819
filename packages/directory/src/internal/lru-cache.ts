/** Milliseconds since some epoch; Date.now unless a test hands in a fake clock. */
export type Clock = () => number;

interface Slot<V> {
  readonly value: V;
  readonly expires: number;
}

/**
 * A bounded map whose entries expire: reads move an entry to the young end,
 * writes beyond `maxSize` evict from the old end (a Map iterates in
 * insertion order, so delete + set is the whole LRU bookkeeping).
 */
export class LruCache<K, V> {
  readonly maxSize: number;
  readonly #now: Clock;
  readonly #slots = new Map<K, Slot<V>>();

  constructor(maxSize: number, now: Clock = Date.now) {
    this.maxSize = maxSize;
    this.#now = now;
  }

  get size(): number {
    return this.#slots.size;
  }

  /** The live slot for `key` (so a cached `undefined`-like value is told apart from a miss). */
  get(key: K): { value: V } | undefined {
    const slot = this.#slots.get(key);
    if (!slot) return undefined;
    this.#slots.delete(key);
    if (slot.expires <= this.#now()) return undefined;
    this.#slots.set(key, slot);
    return { value: slot.value };
  }

  /** Stores `value` for `ttl` ms; a ttl or maxSize of 0 stores nothing. */
  set(key: K, value: V, ttl: number): void {
    this.#slots.delete(key);
    if (ttl <= 0 || this.maxSize <= 0) return;
    this.#slots.set(key, { value, expires: this.#now() + ttl });
    while (this.#slots.size > this.maxSize) {
      const oldest = this.#slots.keys().next().value as K;
      this.#slots.delete(oldest);
    }
  }

  delete(key: K): boolean {
    return this.#slots.delete(key);
  }

  clear(): void {
    this.#slots.clear();
  }
}
