/**
 * Shared state behind an interface: persistence and locality tables, and
 * (later) per-server counters and admin overrides. Reads are synchronous
 * from a local view so nothing on the pick path waits for I/O; a shared
 * implementation (Redis) replicates into that view in the background.
 */
export interface KeyValueTable {
  get(key: string): string | undefined;
  /** Sets a value; it expires after the table's ttl unless touched again. */
  set(key: string, value: string): void;
  delete(key: string): void;
  /** Refreshes an entry's expiry without changing it. */
  touch(key: string): void;
  readonly size: number;
  /** Live entries as [key, value, remaining ms] (optional: to hand a table to a new worker). */
  entries?(): Iterable<readonly [string, string, number]>;
}

export interface TableOptions {
  /** Entries unused this long expire. */
  readonly ttlMs: number;
  /** The least recently used entries are dropped beyond this. */
  readonly maxEntries: number;
}

export interface StateStore {
  /** The table of that name (created on first use; namespaced by cluster in shared stores). */
  table(name: string, options: TableOptions): KeyValueTable;
  close(): Promise<void>;
}
