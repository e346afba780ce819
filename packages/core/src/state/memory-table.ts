import type { KeyValueTable, TableOptions } from './state-store.js';

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * A bounded TTL table in process memory. A Map keeps insertion order, so
 * re-inserting on touch makes its first key the least recently used.
 */
export class MemoryTable implements KeyValueTable {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: TableOptions, now: () => number = Date.now) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: string): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs });
    if (this.#entries.size > this.#maxEntries) this.#evict();
  }

  touch(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    entry.expiresAt = this.#now() + this.#ttlMs;
    this.#entries.set(key, entry);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Live entries with their remaining lifetime (to hand the table to another process). */
  *entries(): Generator<readonly [string, string, number]> {
    const now = this.#now();
    for (const [key, e] of this.#entries) if (e.expiresAt > now) yield [key, e.value, e.expiresAt - now];
  }

  #evict(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && entry.expiresAt > now) break;
      this.#entries.delete(key);
    }
  }
}
