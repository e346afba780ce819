import { ByteLru } from './byte-lru.js';
import { type ObjectMeta, objectCost, type StoredObject } from './stored-object.js';

/**
 * Objects in memory, bounded by bytes (bodies plus a share for headers) and
 * evicting the least recently used first. Objects larger than
 * `maxObjectSize` are not kept here (the disk store may still take them).
 */
export class MemoryStore {
  readonly maxObjectSize: number;
  readonly #lru: ByteLru<StoredObject>;

  constructor(capacity: number, maxObjectSize: number, onEvict?: (object: StoredObject) => void) {
    this.maxObjectSize = maxObjectSize;
    this.#lru = new ByteLru<StoredObject>(capacity, (_key, object) => onEvict?.(object));
  }

  get bytes(): number {
    return this.#lru.bytes;
  }

  get count(): number {
    return this.#lru.size;
  }

  get capacity(): number {
    return this.#lru.capacity;
  }

  /** Metadata without touching recency (freshness checks, ICP answers). */
  meta(key: string): ObjectMeta | undefined {
    return this.#lru.peek(key)?.meta;
  }

  /** The object, as most recently used. */
  get(key: string): StoredObject | undefined {
    return this.#lru.get(key);
  }

  /** Stores the object if it fits; false when it is too large for memory. */
  put(object: StoredObject): boolean {
    if (object.meta.size > this.maxObjectSize) {
      this.#lru.delete(object.meta.key);
      return false;
    }
    return this.#lru.set(object.meta.key, object, objectCost(object.meta));
  }

  /** Replaces the metadata of a stored object (after a 304), keeping its body. */
  freshen(meta: ObjectMeta): void {
    const object = this.#lru.peek(meta.key);
    if (object !== undefined) this.#lru.set(meta.key, { meta, body: object.body }, objectCost(meta));
  }

  delete(key: string): boolean {
    return this.#lru.delete(key) !== undefined;
  }
}
