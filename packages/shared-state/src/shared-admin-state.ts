import { EventEmitter } from 'node:events';
import { type AdminChange, changedServer, decodeChange, encodeChange } from './admin-change.js';
import type { RedisLink } from './internal/redis-link.js';
import { adminPut, isReplyError } from './internal/scripts.js';
import { adminField } from './keys.js';

export interface SharedAdminStateOptions {
  /** Changes kept while Redis is away, sent in order when it returns; default 1 000 (the oldest are dropped). */
  readonly maxQueued?: number | undefined;
}

export interface SharedAdminStateEvents {
  /**
   * Another instance made a change (pub/sub), or, after an outage or a
   * start without Redis, Redis holds a record this instance has not seen.
   * Apply it without publishing it again (applyAdminChange is idempotent).
   */
  change: [change: AdminChange];
}

/**
 * Admin API changes shared by every instance of the cluster: stored in one
 * Redis hash (one record per pool and server, a patch folded into what is
 * there, with no ttl: they last as the admin API's changes do) so a new or
 * restarted instance starts from them, and published so running instances
 * apply them at once. An instance ignores its own messages by instance id.
 */
export class SharedAdminState extends EventEmitter<SharedAdminStateEvents> {
  readonly #link: RedisLink;
  readonly #maxQueued: number;
  readonly #queue: AdminChange[] = [];
  /** The records as this instance last saw them in Redis (field → stored JSON). */
  readonly #seen = new Map<string, string>();
  #flushing: Promise<void> | undefined;
  #loaded = false;
  #dropLogged = false;

  constructor(link: RedisLink, options: SharedAdminStateOptions = {}) {
    super();
    this.#link = link;
    this.#maxQueued = options.maxQueued ?? 1_000;
    link.subscribe(link.keys.adminChannel, (message) => this.#onMessage(message));
    link.on('up', () => void this.#reconcile());
  }

  /** Changes not yet stored in Redis. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * The stored changes, one per changed server, to apply on top of the
   * config file before building pools. Empty when Redis is unreachable; the
   * records then arrive as `change` events once it returns.
   */
  async load(): Promise<AdminChange[]> {
    this.#loaded = true;
    const records = await this.#fetch();
    if (records === undefined) return [];
    const changes: AdminChange[] = [];
    for (const [field, text] of records) {
      this.#seen.set(field, text);
      const change = decodeChange(text);
      if (change !== undefined) changes.push(change);
    }
    return changes;
  }

  /** Shares a change this instance made (never waits, never throws; queued while Redis is away). */
  publish(change: AdminChange): void {
    this.#queue.push(change);
    if (this.#queue.length > this.#maxQueued) {
      this.#queue.shift();
      if (!this.#dropLogged)
        this.#link.logger.warn('admin changes dropped: too many while Redis is unreachable');
      this.#dropLogged = true;
    }
    void this.flush();
  }

  /** Resolves once queued changes are stored (or Redis is found unreachable). */
  async flush(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
    if (this.#queue.length === 0 || !this.#link.up) return;
    this.#flushing = this.#drain().finally(() => {
      this.#flushing = undefined;
    });
    await this.#flushing;
  }

  /** Forgets a pool's records (the config no longer has the pool). */
  async forget(pool: string): Promise<void> {
    const prefix = adminField(pool, '');
    for (const field of [...this.#seen.keys()]) if (field.startsWith(prefix)) this.#seen.delete(field);
    if (!this.#link.up) return;
    try {
      const fields = (await this.#link.command.hkeys(this.#link.keys.admin)).filter((f) =>
        f.startsWith(prefix),
      );
      if (fields.length > 0) await this.#link.command.hdel(this.#link.keys.admin, ...fields);
    } catch {
      // Unreachable: the records stay; harmless, a pool that is gone ignores them.
    }
  }

  async #drain(): Promise<void> {
    const { keys, instanceId } = this.#link;
    while (this.#queue.length > 0 && this.#link.up) {
      const change = this.#queue[0]!;
      const field = adminField(change.pool, changedServer(change));
      try {
        const put = adminPut(
          this.#link.command,
          keys.admin,
          field,
          encodeChange(change),
          instanceId,
          keys.adminChannel,
        );
        this.#seen.set(field, await put);
      } catch (error) {
        // Lost on the way: keep it for when Redis returns. Refused by Redis: it would fail again.
        if (!isReplyError(error)) return;
        this.#link.logger.warn({ err: (error as Error).message }, 'Redis refused an admin change');
      }
      this.#queue.shift();
    }
    this.#dropLogged = false;
  }

  async #fetch(): Promise<Map<string, string> | undefined> {
    if (!this.#link.up) return undefined;
    try {
      return new Map(Object.entries(await this.#link.command.hgetall(this.#link.keys.admin)));
    } catch {
      return undefined;
    }
  }

  #onMessage(message: string): void {
    let parsed: { i?: unknown; c?: unknown; r?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.i === this.#link.instanceId) return; // our own echo
    const change = decodeChange(parsed.c);
    if (change === undefined) return;
    if (typeof parsed.r === 'string')
      this.#seen.set(adminField(change.pool, changedServer(change)), parsed.r);
    this.emit('change', change);
  }

  /** Redis is back: store what was queued, then report records changed by others meanwhile. */
  async #reconcile(): Promise<void> {
    await this.flush();
    if (!this.#loaded) return; // load() has not run yet: it will read everything
    const records = await this.#fetch();
    if (records === undefined) return;
    for (const [field, text] of records) {
      if (this.#seen.get(field) === text) continue;
      this.#seen.set(field, text);
      const change = decodeChange(text);
      if (change !== undefined) this.emit('change', change);
    }
  }
}
