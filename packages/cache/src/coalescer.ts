/**
 * Request coalescing (Squid's collapsed forwarding, nginx's proxy_cache_lock):
 * the first miss for a key fetches and fills the store; misses that arrive
 * meanwhile wait for that fill to end and then look in the store again. A
 * waiter that finds nothing (the response was not storable) or waited too
 * long fetches on its own, so a slow or uncacheable object never blocks
 * anyone for more than `timeoutMs`.
 */
export class Coalescer {
  readonly #fills = new Map<string, Promise<void>>();

  /** Fills in progress (for stats). */
  get inFlight(): number {
    return this.#fills.size;
  }

  /**
   * Starts a fill for `key` if none is running and returns the function that
   * ends it; returns undefined when another request is already filling.
   */
  lead(key: string): (() => void) | undefined {
    if (this.#fills.has(key)) return undefined;
    let end!: () => void;
    const done = new Promise<void>((resolve) => {
      end = resolve;
    });
    this.#fills.set(key, done);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (this.#fills.get(key) === done) this.#fills.delete(key);
      end();
    };
  }

  /**
   * Waits for the fill of `key` to end (or `timeoutMs`); resolves true if
   * there was a fill to wait for.
   */
  async wait(key: string, timeoutMs: number): Promise<boolean> {
    const fill = this.#fills.get(key);
    if (fill === undefined) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    try {
      await Promise.race([fill, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return true;
  }
}
