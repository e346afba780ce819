import type { KeyValueTable, StateStore } from '@lvs7/core';
import type { TableDump, TableWrites } from './messages.js';

interface RelayedTable {
  readonly table: KeyValueTable;
  readonly ttlMs: number;
  readonly maxEntries: number;
}

/**
 * The primary's side of the workers' persistence tables: applies what one
 * worker wrote to the instance's store (in memory, or Redis shared with
 * other instances) so a new worker and other instances get it, passes it
 * on to the other workers, and hands a new worker the tables as they are.
 */
export class StateRelay {
  readonly #store: StateStore;
  readonly #tables = new Map<string, RelayedTable>();

  constructor(store: StateStore) {
    this.#store = store;
  }

  /** Applies a worker's writes to the store. */
  apply(batches: readonly TableWrites[]): void {
    for (const batch of batches) {
      const { table } = this.#table(batch);
      for (const { key, value } of batch.writes) {
        if (value === undefined) table.delete(key);
        else if (table.get(key) === value) table.touch(key);
        else table.set(key, value);
      }
    }
  }

  /** A key another instance changed (Redis): its current value, for every worker. */
  changed(name: string, key: string): TableWrites | undefined {
    const relayed = this.#tables.get(name);
    if (relayed === undefined) return undefined;
    const { table, ttlMs, maxEntries } = relayed;
    const write = { table: name, key, value: table.get(key), ts: Date.now(), origin: 'primary', ttlMs };
    return { name, ttlMs, maxEntries, writes: [write] };
  }

  dump(): TableDump[] {
    const out: TableDump[] = [];
    for (const [name, { table, ttlMs, maxEntries }] of this.#tables) {
      out.push({ name, ttlMs, maxEntries, entries: [...(table.entries?.() ?? [])] });
    }
    return out;
  }

  #table(batch: TableWrites): RelayedTable {
    let relayed = this.#tables.get(batch.name);
    if (relayed === undefined) {
      const options = { ttlMs: batch.ttlMs, maxEntries: batch.maxEntries };
      relayed = { table: this.#store.table(batch.name, options), ...options };
      this.#tables.set(batch.name, relayed);
    }
    return relayed;
  }
}
