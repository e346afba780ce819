import type { KeyValueTable, StateStore, TableOptions } from '@lvs7/core';
import type { TableDump, TableOp, TableOps } from './messages.js';

interface Entry {
  value: string;
  expiresAt: number;
  /** When this worker last told the primary about the entry (touches are sent at most every ttl/4). */
  syncedAt: number;
}

/**
 * A worker's copy of one persistence table (sticky servers, mail
 * placements …): reads are local and synchronous; writes are applied here
 * at once and sent to the primary in the next batch, which passes them to
 * the other workers (and to Redis when the instance shares state).
 */
export class IpcTable implements KeyValueTable {
  readonly name: string;
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly #entries = new Map<string, Entry>();
  readonly #record: (op: TableOp) => void;

  constructor(name: string, options: TableOptions, record: (table: IpcTable, op: TableOp) => void) {
    this.name = name;
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries;
    this.#record = (op) => record(this, op);
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: string): void {
    const now = Date.now();
    this.#put(key, { value, expiresAt: now + this.ttlMs, syncedAt: now });
    this.#record(['set', key, value]);
  }

  delete(key: string): void {
    if (!this.#entries.delete(key)) return;
    this.#record(['delete', key]);
  }

  touch(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    const now = Date.now();
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return;
    }
    entry.expiresAt = now + this.ttlMs;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (now - entry.syncedAt < this.ttlMs / 4) return;
    entry.syncedAt = now;
    this.#record(['touch', key]);
  }

  *entries(): Generator<readonly [string, string, number]> {
    const now = Date.now();
    for (const [key, e] of this.#entries) if (e.expiresAt > now) yield [key, e.value, e.expiresAt - now];
  }

  /** A change made elsewhere (another worker, another instance): applied without being sent back. */
  applyRemote(op: TableOp, remainingMs = this.ttlMs): void {
    const now = Date.now();
    if (op[0] === 'delete') {
      this.#entries.delete(op[1]);
    } else if (op[0] === 'set') {
      this.#put(op[1], { value: op[2], expiresAt: now + Math.min(remainingMs, this.ttlMs), syncedAt: now });
    } else {
      const entry = this.#entries.get(op[1]);
      if (entry !== undefined) {
        entry.expiresAt = now + this.ttlMs;
        entry.syncedAt = now;
      }
    }
  }

  #put(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size <= this.maxEntries) return;
    const now = Date.now();
    for (const [k, e] of this.#entries) {
      if (this.#entries.size <= this.maxEntries && e.expiresAt > now) break;
      this.#entries.delete(k);
    }
  }
}

/** The state store of a worker process: IpcTables kept in step through the primary. */
export class IpcStateStore implements StateStore {
  readonly #tables = new Map<string, IpcTable>();
  readonly #pending = new Map<IpcTable, TableOp[]>();
  readonly #send: (tables: TableOps[]) => void;
  #scheduled = false;

  constructor(send: (tables: TableOps[]) => void) {
    this.#send = send;
  }

  table(name: string, options: TableOptions): KeyValueTable {
    let table = this.#tables.get(name);
    if (table === undefined) {
      table = new IpcTable(name, options, (t, op) => this.#record(t, op));
      this.#tables.set(name, table);
    }
    return table;
  }

  /** Tables as the primary had them when this worker started. */
  load(dumps: readonly TableDump[]): void {
    for (const dump of dumps) {
      const table = this.table(dump.name, dump) as IpcTable;
      for (const [key, value, remainingMs] of dump.entries)
        table.applyRemote(['set', key, value], remainingMs);
    }
  }

  applyRemote(batches: readonly TableOps[]): void {
    for (const batch of batches) {
      const table = this.table(batch.name, batch) as IpcTable;
      for (const op of batch.ops) table.applyRemote(op);
    }
  }

  async close(): Promise<void> {
    this.flush();
  }

  /** Sends what is pending now (the batch otherwise goes at the end of this event-loop turn). */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.size === 0) return;
    const out: TableOps[] = [];
    for (const [table, ops] of this.#pending)
      out.push({ name: table.name, ttlMs: table.ttlMs, maxEntries: table.maxEntries, ops });
    this.#pending.clear();
    this.#send(out);
  }

  #record(table: IpcTable, op: TableOp): void {
    let ops = this.#pending.get(table);
    if (ops === undefined) {
      ops = [];
      this.#pending.set(table, ops);
    }
    ops.push(op);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }
}
