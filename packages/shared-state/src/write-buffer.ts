/** One change to a table entry on its way to Redis (and the other instances). */
export interface TableWrite {
  readonly table: string;
  readonly key: string;
  /** undefined: the entry was deleted. */
  readonly value: string | undefined;
  /** The entry's version: writer's clock (ms) and instance id; the larger (ts, origin) wins everywhere. */
  readonly ts: number;
  readonly origin: string;
  /** How long Redis keeps it (the table's ttl). */
  readonly ttlMs: number;
}

/**
 * Table writes not yet in Redis: filled on every local write, emptied by
 * the flusher, and the outage buffer while Redis is away. Only the latest
 * write of a key is kept (a newer one replaces it), and the buffer never
 * holds more than `max` keys: beyond that the oldest are dropped and
 * `overflowed` says so, so the store re-publishes its whole local view
 * (itself bounded) when Redis returns instead.
 */
export class WriteBuffer {
  readonly max: number;
  readonly #writes = new Map<string, TableWrite>();
  #overflowed = false;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`write buffer size must be a positive integer`);
    this.max = max;
  }

  get size(): number {
    return this.#writes.size;
  }

  /** Writes were dropped since the last clearOverflow(). */
  get overflowed(): boolean {
    return this.#overflowed;
  }

  clearOverflow(): void {
    this.#overflowed = false;
  }

  add(write: TableWrite): void {
    const id = idOf(write);
    this.#writes.delete(id);
    this.#writes.set(id, write);
    while (this.#writes.size > this.max) {
      const oldest = this.#writes.keys().next().value as string;
      this.#writes.delete(oldest);
      this.#overflowed = true;
    }
  }

  /** Removes and returns up to `count` writes, oldest first. */
  take(count: number): TableWrite[] {
    const out: TableWrite[] = [];
    for (const [id, write] of this.#writes) {
      if (out.length >= count) break;
      out.push(write);
      this.#writes.delete(id);
    }
    return out;
  }

  /** Puts back writes that failed, unless a newer write of the same key came meanwhile. */
  restore(writes: readonly TableWrite[]): void {
    for (const write of writes) if (!this.#writes.has(idOf(write))) this.add(write);
  }

  clear(): void {
    this.#writes.clear();
  }
}

function idOf(write: TableWrite): string {
  return `${write.table}\u0000${write.key}`;
}
