import type { HeaderMap } from './cache-control.js';
import type { DiskStore } from './disk-store.js';
import { isFresh } from './freshness.js';
import { MemoryStore } from './memory-store.js';
import type { ObjectMeta, StoredObject } from './stored-object.js';
import { VaryIndex, variantKey } from './vary.js';

export interface ObjectStoreStats {
  readonly memoryObjects: number;
  readonly memoryBytes: number;
  readonly diskObjects: number;
  readonly diskBytes: number;
}

/**
 * The node's store: memory in front of an optional disk store, and the Vary
 * index that turns a URL and a request into a variant's key. Objects go to
 * both tiers (memory only if small enough); a disk hit is copied back to
 * memory. Metadata of both tiers is in memory, so lookups are synchronous
 * and only a disk body read is not.
 */
export class ObjectStore {
  readonly memory: MemoryStore;
  readonly disk: DiskStore | undefined;
  readonly vary = new VaryIndex();

  constructor(memoryBytes: number, memoryMaxObjectSize: number, disk?: DiskStore | undefined) {
    this.memory = new MemoryStore(memoryBytes, memoryMaxObjectSize, (object) =>
      this.#left(object.meta, 'memory'),
    );
    this.disk = disk;
    // Variants found on disk at start become reachable again.
    for (const meta of disk?.metas() ?? []) {
      if (meta.vary !== undefined) this.vary.add(meta.url, meta.vary, meta.key);
    }
  }

  /** Called by the disk store when it evicts an object. */
  readonly onDiskEvict = (meta: ObjectMeta): void => this.#left(meta, 'disk');

  /** The stored response for this URL and request (its variant when the URL's responses vary). */
  find(url: string, request: HeaderMap): ObjectMeta | undefined {
    const fields = this.vary.fields(url);
    const key = fields === undefined ? url : variantKey(url, fields, request);
    return this.#meta(key);
  }

  /** Whether any fresh response for the URL is stored (ICP's question; no request headers to match). */
  hasFresh(url: string, now: number): boolean {
    const meta = this.#meta(url);
    if (meta !== undefined) return isFresh(meta, now);
    for (const key of this.vary.variants(url)) {
      const variant = this.#meta(key);
      if (variant !== undefined && isFresh(variant, now)) return true;
    }
    return false;
  }

  /** The object with its body, or undefined if it left the store meanwhile. */
  async get(meta: ObjectMeta): Promise<StoredObject | undefined> {
    const inMemory = this.memory.get(meta.key);
    if (inMemory !== undefined) return inMemory;
    const onDisk = await this.disk?.get(meta.key);
    if (onDisk !== undefined) this.memory.put(onDisk);
    return onDisk;
  }

  /** True when the object came from memory (Squid's TCP_MEM_HIT), false when from disk. */
  inMemory(key: string): boolean {
    return this.memory.meta(key) !== undefined;
  }

  /** Stores an object in every tier that takes it; false when none did. */
  put(object: StoredObject): boolean {
    const { meta } = object;
    if (meta.vary === undefined) {
      // A URL whose responses stopped varying: its variants are unreachable now.
      for (const key of this.vary.forget(meta.url)) this.#drop(key);
    } else {
      this.#drop(meta.url);
      for (const key of this.vary.add(meta.url, meta.vary, meta.key)) if (key !== meta.key) this.#drop(key);
    }
    const inMemory = this.memory.put(object);
    const onDisk = this.disk?.put(object) ?? false;
    if (!inMemory && !onDisk && meta.vary !== undefined) this.vary.removeVariant(meta.url, meta.key);
    return inMemory || onDisk;
  }

  /** New metadata for a stored object (after a 304 from upstream). */
  freshen(meta: ObjectMeta): void {
    this.memory.freshen(meta);
    this.disk?.freshen(meta);
  }

  /** Removes a URL and all its variants (invalidation after an unsafe method). */
  invalidate(url: string): void {
    this.#drop(url);
    for (const key of this.vary.forget(url)) this.#drop(key);
  }

  stats(): ObjectStoreStats {
    return {
      memoryObjects: this.memory.count,
      memoryBytes: this.memory.bytes,
      diskObjects: this.disk?.count ?? 0,
      diskBytes: this.disk?.bytes ?? 0,
    };
  }

  #meta(key: string): ObjectMeta | undefined {
    return this.memory.meta(key) ?? this.disk?.meta(key);
  }

  #drop(key: string): void {
    this.memory.delete(key);
    this.disk?.delete(key);
  }

  /** An object left one tier; once it is in neither, its variant entry goes too. */
  #left(meta: ObjectMeta, tier: 'memory' | 'disk'): void {
    if (meta.vary === undefined) return;
    const other = tier === 'memory' ? this.disk?.meta(meta.key) : this.memory.meta(meta.key);
    if (other === undefined) this.vary.removeVariant(meta.url, meta.key);
  }
}
