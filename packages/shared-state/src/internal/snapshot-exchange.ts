import type { SnapshotKind } from '../keys.js';
import type { RedisLink } from './redis-link.js';
import { snapshotExchange } from './scripts.js';

export interface SnapshotExchangeOptions {
  readonly kind: SnapshotKind;
  readonly intervalMs: number;
  /** A snapshot (and an instance's membership) lives this long unless renewed. */
  readonly ttlMs: number;
  /** This instance's snapshot now (JSON). */
  readonly snapshot: () => string;
  /**
   * The other live instances' snapshots, after every exchange; an empty map
   * once Redis has been unreachable for a ttl (their numbers are stale).
   */
  readonly onOthers: (others: ReadonlyMap<string, string>) => void;
  readonly now?: (() => number) | undefined;
}

/**
 * Every interval, one script call stores this instance's snapshot with a
 * ttl and returns the other instances' (see scripts.ts): a dead instance's
 * snapshot expires on its own, and clocks of different hosts never matter.
 * At most one exchange is in flight; nothing waits for it.
 */
export class SnapshotExchange {
  readonly #link: RedisLink;
  readonly #options: SnapshotExchangeOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #inflight: Promise<void> | undefined;
  #lastSuccess = 0;
  #stale = true;

  constructor(link: RedisLink, options: SnapshotExchangeOptions) {
    this.#link = link;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    // Redis is back: re-store this instance's snapshot at once rather than at the next tick.
    link.on('up', () => {
      if (this.#timer !== undefined) void this.exchange();
    });
  }

  start(): this {
    if (this.#timer !== undefined) return this;
    this.#timer = setInterval(() => void this.exchange(), this.#options.intervalMs);
    this.#timer.unref();
    void this.exchange();
    return this;
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Exchanges now (or joins the exchange in flight). Never rejects. */
  exchange(): Promise<void> {
    this.#inflight ??= this.#run().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #run(): Promise<void> {
    const { kind, ttlMs } = this.#options;
    if (this.#link.up && !this.#link.closed) {
      const { keys, instanceId } = this.#link;
      const scriptKeys = {
        members: keys.members(kind),
        own: keys.snapshot(kind, instanceId),
        prefix: keys.snapshotPrefix(kind),
      };
      try {
        const flat = await snapshotExchange(
          this.#link.command,
          scriptKeys,
          instanceId,
          this.#options.snapshot(),
          ttlMs,
        );
        const others = new Map<string, string>();
        for (let i = 0; i + 1 < flat.length; i += 2) others.set(flat[i]!, flat[i + 1]!);
        this.#lastSuccess = this.#now();
        this.#stale = false;
        this.#options.onOthers(others);
        return;
      } catch {
        // Lost mid-call: treated as unreachable below.
      }
    }
    if (!this.#stale && this.#now() - this.#lastSuccess >= ttlMs) {
      this.#stale = true;
      this.#options.onOthers(new Map());
    }
  }
}
