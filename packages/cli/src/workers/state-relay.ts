import type { KeyValueTable, StateStore } from '@lvs7/core';
import type { TableDump, TableOp, TableOps } from './messages.js';

interface RelayedTable {
  readonly table: KeyValueTable;
  readonly ttlMs: number;
  readonly maxEntries: number;
}

/** What a table can list of itself (MemoryTable, ReplicatedTable). */
interface Listable {
  entries?(): Iterable<readonly [string, string, number]>;
}

/**
 * The primary's side of the workers' persistence tables: applies what one
 * worker wrote to the instance's store (in memory, or Redis shared with
 * other instances) and passes it on to the other workers; hands a new
 * worker the tables as they are.
 */
export class StateRelay {
  readonly #store: StateStore;
  readonly #tables = new Map<string, RelayedTable>();

  constructor(store: StateStore) {
    this.#store = store;
  }

  /** Applies a worker's writes; returns them for the other workers. */
  apply(batches: readonly TableOps[]): readonly TableOps[] {
    for (const batch of batches) {
      const { table } = this.#table(batch);
      for (const op of batch.ops) {
        if (op[0] === 'set') table.set(op[1], op[2]);
        else if (op[0] === 'delete') table.delete(op[1]);
        else table.touch(op[1]);
      }
    }
    return batches;
  }

  /** A key another instance changed (Redis): its current value as an op for every worker. */
  changed(name: string, key: string): TableOps | undefined {
    const relayed = this.#tables.get(name);
    if (relayed === undefined) return undefined;
    const value = relayed.table.get(key);
    const op: TableOp = value === undefined ? ['delete', key] : ['set', key, value];
    return { name, ttlMs: relayed.ttlMs, maxEntries: relayed.maxEntries, ops: [op] };
  }

  dump(): TableDump[] {
    const out: TableDump[] = [];
    for (const [name, { table, ttlMs, maxEntries }] of this.#tables) {
      const entries = [...((table as Listable).entries?.() ?? [])];
      out.push({ name, ttlMs, maxEntries, entries });
    }
    return out;
  }

  #table(batch: TableOps): RelayedTable {
    let relayed = this.#tables.get(batch.name);
    if (relayed === undefined) {
      const options = { ttlMs: batch.ttlMs, maxEntries: batch.maxEntries };
      relayed = { table: this.#store.table(batch.name, options), ...options };
      this.#tables.set(batch.name, relayed);
    }
    return relayed;
  }
}
