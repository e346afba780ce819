import type { Logger } from 'pino';
import type { Directory, MailboxEntry } from './directory.js';
import { DirectoryUnavailableError } from './errors.js';
import { normalizeUser } from './internal/entry.js';
import { type Clock, LruCache } from './internal/lru-cache.js';
import { type CacheOptions, DIRECTORY_DEFAULTS } from './options.js';

export interface CacheStats {
  /** Users cached now (found and not found). */
  readonly size: number;
  /** Lookups answered from the cache. */
  readonly hits: number;
  /** Lookups that started a query. */
  readonly misses: number;
  /** Lookups that joined a query already under way for the same user. */
  readonly coalesced: number;
}

/**
 * The caching half of a remote directory: positive and negative TTLs, a
 * bounded LRU, and request coalescing (concurrent lookups of one user share
 * one query). A subclass only answers `query(key)` for a normalized
 * (lower-cased) user, resolving undefined for "no such user" and rejecting
 * when it cannot answer; rejections reach every waiting caller as
 * DirectoryUnavailableError and are never cached.
 */
export abstract class CachedDirectory implements Directory {
  readonly name: string;
  protected readonly logger: Logger;
  readonly #cache: LruCache<string, MailboxEntry | null>;
  readonly #inflight = new Map<string, Promise<MailboxEntry | undefined>>();
  readonly #ttl: number;
  readonly #negativeTtl: number;
  #generation = 0;
  #closed = false;
  #hits = 0;
  #misses = 0;
  #coalesced = 0;

  constructor(name: string, options: CacheOptions, logger: Logger, now: Clock = Date.now) {
    this.name = name;
    this.logger = logger;
    this.#ttl = options.cacheTtl ?? DIRECTORY_DEFAULTS.cacheTtl;
    this.#negativeTtl = options.negativeCacheTtl ?? DIRECTORY_DEFAULTS.negativeCacheTtl;
    this.#cache = new LruCache(options.cacheSize ?? DIRECTORY_DEFAULTS.cacheSize, now);
  }

  /** Finds the entry for a normalized user; undefined = no such user; rejects = cannot answer. */
  protected abstract query(key: string): Promise<MailboxEntry | undefined>;

  abstract verifyPassword(user: string, password: string): Promise<boolean>;

  get stats(): CacheStats {
    return { size: this.#cache.size, hits: this.#hits, misses: this.#misses, coalesced: this.#coalesced };
  }

  get closed(): boolean {
    return this.#closed;
  }

  lookup(user: string): Promise<MailboxEntry | undefined> {
    if (this.#closed) return Promise.reject(new DirectoryUnavailableError(this.name, 'closed'));
    const key = normalizeUser(user);
    if (key === undefined) return Promise.resolve(undefined);
    const cached = this.#cache.get(key);
    if (cached) {
      this.#hits++;
      this.logger.debug({ user: key, cache: 'hit', found: cached.value !== null }, 'directory lookup');
      return Promise.resolve(cached.value ?? undefined);
    }
    const pending = this.#inflight.get(key);
    if (pending) {
      this.#coalesced++;
      return pending;
    }
    this.#misses++;
    const generation = this.#generation;
    // new Promise() also catches a query() that throws synchronously.
    const started: Promise<MailboxEntry | undefined> = new Promise<MailboxEntry | undefined>((resolve) =>
      resolve(this.query(key)),
    )
      .then(
        (entry) => this.#answered(key, entry, generation),
        (err: unknown) => {
          throw err instanceof DirectoryUnavailableError
            ? err
            : new DirectoryUnavailableError(this.name, err instanceof Error ? err.message : String(err), {
                cause: err,
              });
        },
      )
      .finally(() => {
        if (this.#inflight.get(key) === started) this.#inflight.delete(key);
      });
    this.#inflight.set(key, started);
    return started;
  }

  #answered(key: string, entry: MailboxEntry | undefined, generation: number): MailboxEntry | undefined {
    if (generation === this.#generation) {
      this.#cache.set(key, entry ?? null, entry ? this.#ttl : this.#negativeTtl);
    }
    this.logger.debug(
      { user: key, cache: 'miss', found: entry !== undefined, host: entry?.host },
      'directory lookup',
    );
    return entry;
  }

  /** Forgets every cached answer; queries under way finish but are not cached. */
  clearCache(): void {
    this.#generation++;
    this.#cache.clear();
    this.#inflight.clear();
  }

  /** Reload = forget cached answers (SIGHUP): the next lookups ask the directory again. */
  async reload(): Promise<void> {
    this.clearCache();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.clearCache();
  }
}
