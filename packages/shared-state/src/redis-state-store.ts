import { EventEmitter } from 'node:events';
import type { KeyValueTable, StateStore, TableOptions } from '@lvs7/core';
import { MalformedSharedMessageError } from './errors.js';
import type { RedisLink } from './internal/redis-link.js';
import { isReplyError, queueTableDelete, queueTableSet } from './internal/scripts.js';
import { scanTargets } from './redis-connection.js';
import { decodeEntry, encodeEntry, ReplicatedTable } from './replicated-table.js';
import { type TableWrite, WriteBuffer } from './write-buffer.js';

export interface RedisStateStoreOptions {
  /** Table writes kept for Redis while it is away (latest per key); default 10 000. */
  readonly maxPendingWrites?: number | undefined;
  readonly now?: (() => number) | undefined;
}

export interface RedisStateStoreEvents {
  /** Another instance's change reached this instance's view (pub/sub). */
  update: [table: string, key: string];
  /** A table's view was (re)loaded from Redis: at start, and when Redis came back. */
  loaded: [table: string, entries: number];
  /** Every buffered write reached Redis. */
  flushed: [];
}

/** Writes per pipeline (and per pub/sub message). */
const BATCH = 500;
const SCAN_COUNT = 1_000;

/** A published batch: `{ i: instance, w: [[table, key, value | null, ts, origin], …] }`. */
type WireWrite = [string, string, string | null, number, string];

/**
 * A StateStore whose tables are replicated through Redis. Reads are
 * synchronous from each table's local view (ReplicatedTable); writes change
 * the view at once and are buffered (WriteBuffer), then sent on the next
 * turn of the event loop in one pipeline: a conditional SET PX per key
 * (newest version wins, see scripts.ts) and one PUBLISH, so other
 * instances' views update within a round trip.
 *
 * Loading is eager: a table's view is filled from Redis (SCAN MATCH its
 * prefix, at most maxEntries keys) when it is created and again each time
 * Redis comes back. A key another instance set a moment ago reaches this
 * view by pub/sub; until that message arrives (normally well under a
 * millisecond on one LAN), this instance does not know the key and may
 * choose differently for it. The newer version then wins on both, so they
 * agree again from the next session on.
 */
export class RedisStateStore extends EventEmitter<RedisStateStoreEvents> implements StateStore {
  readonly #link: RedisLink;
  readonly #tables = new Map<string, ReplicatedTable>();
  readonly #pending: WriteBuffer;
  readonly #now: () => number;
  #flushScheduled = false;
  #flushing: Promise<void> | undefined;
  #malformedLogged = false;
  #closed = false;

  constructor(link: RedisLink, options: RedisStateStoreOptions = {}) {
    super();
    this.#link = link;
    this.#pending = new WriteBuffer(options.maxPendingWrites ?? 10_000);
    this.#now = options.now ?? Date.now;
    link.subscribe(link.keys.tablesChannel, (message) => this.#onMessage(message));
    link.on('up', () => void this.#reconcile());
  }

  /** Writes waiting for Redis (bounded by maxPendingWrites). */
  get pendingWrites(): number {
    return this.#pending.size;
  }

  table(name: string, options: TableOptions): KeyValueTable {
    let table = this.#tables.get(name);
    if (table === undefined) {
      table = new ReplicatedTable(name, options, this.#link.instanceId, (w) => this.#enqueue(w), this.#now);
      this.#tables.set(name, table);
      if (this.#link.up) void this.#load(table);
    }
    return table;
  }

  /** Sends what is buffered (if Redis is reachable) and stops replicating; the link is the owner's to close. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    this.#tables.clear();
    this.#pending.clear();
  }

  /** Resolves once buffered writes were sent (or could not be, Redis being away). */
  async flush(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
    if (this.#pending.size === 0 || !this.#link.up || this.#closed) return;
    this.#flushing = this.#drain().finally(() => {
      this.#flushing = undefined;
    });
    await this.#flushing;
  }

  #enqueue(write: TableWrite): void {
    if (this.#closed) return;
    this.#pending.add(write);
    if (this.#flushScheduled || !this.#link.up) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      void this.flush();
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.size > 0 && this.#link.up) {
      const batch = this.#pending.take(BATCH);
      if (!(await this.#send(batch))) {
        this.#pending.restore(batch);
        return;
      }
    }
    if (this.#pending.size === 0) this.emit('flushed');
  }

  /** One pipeline: the conditional writes, then one message for the other instances. */
  async #send(batch: readonly TableWrite[]): Promise<boolean> {
    const { keys, instanceId } = this.#link;
    const pipeline = this.#link.command.pipeline();
    const wire: WireWrite[] = [];
    for (const w of batch) {
      const key = keys.tableKey(w.table, w.key);
      if (w.value === undefined) queueTableDelete(pipeline, key, w.ts, w.origin);
      else queueTableSet(pipeline, key, encodeEntry(w.ts, w.origin, w.value), w.ts, w.origin, w.ttlMs);
      wire.push([w.table, w.key, w.value ?? null, w.ts, w.origin]);
    }
    pipeline.publish(keys.tablesChannel, JSON.stringify({ i: instanceId, w: wire }));
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error !== null)?.[0];
      if (failed === undefined || failed === null) return true;
      if (!isReplyError(failed)) return false; // lost on the way: sent again when Redis returns
      // Refused by Redis (it would fail again): log it and move on.
      this.#link.logger.warn({ err: failed.message }, 'Redis refused a table write');
      return true;
    } catch {
      return false;
    }
  }

  #onMessage(message: string): void {
    const parsed = parseMessage(message);
    if (typeof parsed === 'string') {
      this.#malformed(parsed);
      return;
    }
    if (parsed.instance === this.#link.instanceId) return; // our own echo
    for (const [tableName, key, value, ts, origin] of parsed.writes) {
      const table = this.#tables.get(tableName);
      if (table === undefined) continue; // a table this instance does not use
      if (table.applyRemote(key, { value: value ?? undefined, ts, origin }))
        this.emit('update', tableName, key);
    }
  }

  #malformed(reason: string): void {
    if (this.#malformedLogged) return;
    this.#malformedLogged = true;
    const error = new MalformedSharedMessageError(this.#link.keys.tablesChannel, reason);
    this.#link.logger.warn({ err: error.message, code: error.code }, 'shared state message ignored');
  }

  /** Redis is (back) up: push what was written meanwhile, then catch up with what others wrote. */
  async #reconcile(): Promise<void> {
    if (this.#closed) return;
    if (this.#pending.overflowed) {
      // Writes were dropped during the outage: re-send the whole (bounded) view instead.
      this.#pending.clearOverflow();
      for (const table of this.#tables.values()) for (const w of table.writes()) this.#pending.add(w);
    }
    await this.flush();
    for (const table of this.#tables.values()) await this.#load(table);
  }

  /** Fills the view from Redis: SCAN MATCH the table's prefix, GET + PTTL in batches, up to maxEntries keys. */
  async #load(table: ReplicatedTable): Promise<void> {
    const { keys } = this.#link;
    let loaded = 0;
    try {
      for (const node of scanTargets(this.#link.command)) {
        let cursor = '0';
        do {
          const [next, found] = await node.scan(
            cursor,
            'MATCH',
            keys.tablePattern(table.name),
            'COUNT',
            SCAN_COUNT,
          );
          cursor = next;
          const batch = found.slice(0, table.maxEntries - loaded);
          if (batch.length > 0) loaded += await this.#loadKeys(table, batch);
        } while (cursor !== '0' && loaded < table.maxEntries && !this.#closed);
      }
    } catch {
      return; // Redis went away mid-load: the next `up` loads again.
    }
    this.emit('loaded', table.name, loaded);
  }

  async #loadKeys(table: ReplicatedTable, redisKeys: readonly string[]): Promise<number> {
    const pipeline = this.#link.command.pipeline();
    for (const key of redisKeys) pipeline.get(key).pttl(key);
    const results = (await pipeline.exec()) ?? [];
    let count = 0;
    for (let i = 0; i < redisKeys.length; i++) {
      const text = results[2 * i]?.[1];
      const pttl = results[2 * i + 1]?.[1];
      const key = this.#link.keys.entryOf(table.name, redisKeys[i]!);
      if (key === undefined || typeof text !== 'string' || typeof pttl !== 'number' || pttl <= 0) continue;
      const entry = decodeEntry(text);
      if (entry === undefined) continue;
      if (table.applyRemote(key, entry, pttl)) this.emit('update', table.name, key);
      count++;
    }
    return count;
  }
}

/** The sender and writes of a published batch, or why it is not one. */
function parseMessage(message: string): { instance: string; writes: WireWrite[] } | string {
  let parsed: { i?: unknown; w?: unknown };
  try {
    parsed = JSON.parse(message) as { i?: unknown; w?: unknown };
  } catch {
    return 'not JSON';
  }
  if (typeof parsed.i !== 'string' || !Array.isArray(parsed.w)) return 'no i/w';
  if (!parsed.w.every(isWireWrite)) return 'bad write';
  return { instance: parsed.i, writes: parsed.w as WireWrite[] };
}

function isWireWrite(item: unknown): item is WireWrite {
  if (!Array.isArray(item) || item.length !== 5) return false;
  const [table, key, value, ts, origin] = item as unknown[];
  return (
    typeof table === 'string' &&
    typeof key === 'string' &&
    (value === null || typeof value === 'string') &&
    typeof ts === 'number' &&
    typeof origin === 'string'
  );
}
