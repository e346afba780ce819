import type { KeyValueTable, TableOptions } from '@lvs7/core';
import type { TableWrite } from './write-buffer.js';

interface Entry {
  value: string;
  expiresAt: number;
  /** Version: who wrote the value and when (writer's clock). */
  readonly ts: number;
  readonly origin: string;
  /** When Redis and the other instances last heard of this entry (for touch propagation). */
  syncedAt: number;
}

/** An entry as stored in Redis and loaded back. */
export interface VersionedValue {
  readonly value: string | undefined;
  readonly ts: number;
  readonly origin: string;
}

/** The Redis value of a table entry: `[ts, origin, value]`. */
export function encodeEntry(ts: number, origin: string, value: string): string {
  return JSON.stringify([ts, origin, value]);
}

export function decodeEntry(text: string): VersionedValue | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
    const [ts, origin, value] = parsed as unknown[];
    if (typeof ts !== 'number' || typeof origin !== 'string' || typeof value !== 'string') return undefined;
    return { ts, origin, value };
  } catch {
    return undefined;
  }
}

/** a's version is newer than b's: later ts, ties broken by instance id (the same order everywhere). */
export function newer(a: { ts: number; origin: string }, b: { ts: number; origin: string }): boolean {
  return a.ts > b.ts || (a.ts === b.ts && a.origin > b.origin);
}

/**
 * One table's local view in a RedisStateStore: a bounded TTL map (LRU as
 * MemoryTable) read synchronously, whose every local change is handed to
 * `onWrite` for Redis and whose entries other instances change through
 * applyRemote(). Each entry carries a version (ts, origin) and the newer
 * version wins on every instance and in Redis, so two instances that set
 * the same key at the same moment converge on one value instead of
 * swapping. touch() is forwarded at most every ttl/4 per key, so the other
 * instances' copies (and Redis's) never expire much before this one.
 */
export class ReplicatedTable implements KeyValueTable {
  readonly name: string;
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly #entries = new Map<string, Entry>();
  readonly #instanceId: string;
  readonly #now: () => number;
  readonly #onWrite: (write: TableWrite) => void;

  constructor(
    name: string,
    options: TableOptions,
    instanceId: string,
    onWrite: (write: TableWrite) => void,
    now: () => number = Date.now,
  ) {
    this.name = name;
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries;
    this.#instanceId = instanceId;
    this.#onWrite = onWrite;
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
    const now = this.#now();
    const ts = this.#nextTs(key, now);
    this.#put(key, { value, expiresAt: now + this.ttlMs, ts, origin: this.#instanceId, syncedAt: now });
    this.#onWrite({ table: this.name, key, value, ts, origin: this.#instanceId, ttlMs: this.ttlMs });
  }

  delete(key: string): void {
    if (!this.#entries.has(key)) return;
    const ts = this.#nextTs(key, this.#now());
    this.#entries.delete(key);
    this.#onWrite({
      table: this.name,
      key,
      value: undefined,
      ts,
      origin: this.#instanceId,
      ttlMs: this.ttlMs,
    });
  }

  touch(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    const now = this.#now();
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return;
    }
    entry.expiresAt = now + this.ttlMs;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (now - entry.syncedAt < this.ttlMs / 4) return;
    entry.syncedAt = now;
    // Same version: refreshes the expiry in Redis and elsewhere without changing anything.
    const { value, ts, origin } = entry;
    this.#onWrite({ table: this.name, key, value, ts, origin, ttlMs: this.ttlMs });
  }

  /**
   * A change from another instance (pub/sub) or from Redis (loading): applied
   * unless this view holds a newer version. An equal version refreshes the
   * expiry. `remainingMs` is what is left of the entry's ttl (default the
   * table's ttl). Returns true when the view changed.
   */
  applyRemote(key: string, incoming: VersionedValue, remainingMs = this.ttlMs): boolean {
    const now = this.#now();
    let current = this.#entries.get(key);
    if (current !== undefined && current.expiresAt <= now) {
      this.#entries.delete(key);
      current = undefined;
    }
    if (current !== undefined && newer(current, incoming)) return false;
    if (incoming.value === undefined) return this.#entries.delete(key);
    const expiresAt = now + Math.min(remainingMs, this.ttlMs);
    if (current !== undefined && current.ts === incoming.ts && current.origin === incoming.origin) {
      current.expiresAt = Math.max(current.expiresAt, expiresAt);
      current.syncedAt = now;
      return false;
    }
    this.#put(key, {
      value: incoming.value,
      expiresAt,
      ts: incoming.ts,
      origin: incoming.origin,
      syncedAt: now,
    });
    return true;
  }

  /** Every live entry as a write (to re-publish the whole view after writes were lost). */
  *writes(): Generator<TableWrite> {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) continue;
      const ttlMs = entry.expiresAt - now;
      yield { table: this.name, key, value: entry.value, ts: entry.ts, origin: entry.origin, ttlMs };
    }
  }

  /** Live entries as [key, value, remaining ms]. */
  *entries(): Generator<readonly [string, string, number]> {
    for (const w of this.writes()) if (w.value !== undefined) yield [w.key, w.value, w.ttlMs];
  }

  clear(): void {
    this.#entries.clear();
  }

  /** A version newer than what the view holds, even if that came from a host whose clock runs ahead. */
  #nextTs(key: string, now: number): number {
    const current = this.#entries.get(key);
    return current !== undefined && current.ts >= now ? current.ts + 1 : now;
  }

  #put(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > this.maxEntries) this.#evict();
  }

  #evict(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.maxEntries && entry.expiresAt > now) break;
      this.#entries.delete(key);
    }
  }
}
