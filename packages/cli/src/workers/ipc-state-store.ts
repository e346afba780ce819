import type { KeyValueTable, StateStore, TableOptions } from '@lvs7/core';
import { ReplicatedTable, type TableWrite } from '@lvs7/shared-state';
import type { TableDump, TableWrites } from './messages.js';

/**
 * The state store of a worker process: persistence tables (sticky servers,
 * locality, mail placements …) read locally and synchronously, written
 * here at once and sent to the primary in the next batch, which passes
 * them to the other workers (and to Redis when the instance shares state).
 * Each table is a ReplicatedTable, as between instances: versioned writes,
 * touches sent at most every ttl/4.
 */
export class IpcStateStore implements StateStore {
  readonly #tables = new Map<string, ReplicatedTable>();
  readonly #pending = new Map<ReplicatedTable, TableWrite[]>();
  readonly #origin: string;
  readonly #send: (tables: TableWrites[]) => void;
  #scheduled = false;

  /** `origin`: this worker's name in versions (unique among the instance's workers). */
  constructor(origin: string, send: (tables: TableWrites[]) => void) {
    this.#origin = origin;
    this.#send = send;
  }

  table(name: string, options: TableOptions): KeyValueTable {
    return this.#table(name, options);
  }

  /** Tables as the primary had them when this worker started. */
  load(dumps: readonly TableDump[]): void {
    for (const dump of dumps) {
      const table = this.#table(dump.name, dump);
      for (const [key, value, remainingMs] of dump.entries)
        table.applyRemote(key, { value, ts: 0, origin: '' }, remainingMs);
    }
  }

  /** Writes made elsewhere (another worker, another instance): applied without being sent back. */
  applyRemote(batches: readonly TableWrites[]): void {
    for (const batch of batches) {
      const table = this.#table(batch.name, batch);
      for (const w of batch.writes) table.applyRemote(w.key, w, w.ttlMs);
    }
  }

  async close(): Promise<void> {
    this.flush();
  }

  /** Sends what is pending now (the batch otherwise goes at the end of this event-loop turn). */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.size === 0) return;
    const out: TableWrites[] = [];
    for (const [table, writes] of this.#pending)
      out.push({ name: table.name, ttlMs: table.ttlMs, maxEntries: table.maxEntries, writes });
    this.#pending.clear();
    this.#send(out);
  }

  #table(name: string, options: TableOptions): ReplicatedTable {
    let table = this.#tables.get(name);
    if (table === undefined) {
      const created = new ReplicatedTable(name, options, this.#origin, (write) =>
        this.#record(created, write),
      );
      table = created;
      this.#tables.set(name, table);
    }
    return table;
  }

  #record(table: ReplicatedTable, write: TableWrite): void {
    let writes = this.#pending.get(table);
    if (writes === undefined) {
      writes = [];
      this.#pending.set(table, writes);
    }
    writes.push(write);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }
}
