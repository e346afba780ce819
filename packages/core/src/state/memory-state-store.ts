import { MemoryTable } from './memory-table.js';
import type { KeyValueTable, StateStore, TableOptions } from './state-store.js';

/** The default store: every table in this process only. */
export class MemoryStateStore implements StateStore {
  readonly #tables = new Map<string, MemoryTable>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  table(name: string, options: TableOptions): KeyValueTable {
    let table = this.#tables.get(name);
    if (table === undefined) {
      table = new MemoryTable(options, this.#now);
      this.#tables.set(name, table);
    }
    return table;
  }

  async close(): Promise<void> {
    this.#tables.clear();
  }
}
