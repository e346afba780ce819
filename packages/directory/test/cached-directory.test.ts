import { describe, expect, it } from 'vitest';
import { CachedDirectory } from '../src/cached-directory.js';
import type { MailboxEntry } from '../src/directory.js';
import { DirectoryUnavailableError } from '../src/errors.js';
import { toMailboxEntry } from '../src/internal/entry.js';
import type { CacheOptions } from '../src/options.js';
import { deferred, FakeClock, silent } from './helpers.js';

/** A backend whose answers the test controls; counts queries per key. */
class FakeDirectory extends CachedDirectory {
  readonly queries: string[] = [];
  answer: (key: string) => Promise<MailboxEntry | undefined> = async (key) =>
    key.startsWith('known') ? toMailboxEntry(`uid=${key}`, { mail: [key] }, 'mailhost') : undefined;

  constructor(options: CacheOptions = {}, clock = new FakeClock()) {
    super('fake', options, silent, clock.now);
  }

  protected query(key: string): Promise<MailboxEntry | undefined> {
    this.queries.push(key);
    return this.answer(key);
  }

  async verifyPassword(): Promise<boolean> {
    return false;
  }
}

describe('CachedDirectory', () => {
  it('serves a found entry from the cache until cacheTtl passes', async () => {
    const clock = new FakeClock();
    const dir = new FakeDirectory({ cacheTtl: 1000 }, clock);
    const first = await dir.lookup('known-a@example.org');
    expect(first?.mailbox).toBe('known-a@example.org');
    clock.advance(999);
    expect(await dir.lookup('KNOWN-A@Example.ORG')).toBe(first);
    expect(dir.queries).toEqual(['known-a@example.org']);
    clock.advance(1);
    await dir.lookup('known-a@example.org');
    expect(dir.queries).toHaveLength(2);
    expect(dir.stats).toMatchObject({ hits: 1, misses: 2 });
  });

  it('caches "no such user" for negativeCacheTtl', async () => {
    const clock = new FakeClock();
    const dir = new FakeDirectory({ cacheTtl: 60_000, negativeCacheTtl: 100 }, clock);
    expect(await dir.lookup('nobody')).toBeUndefined();
    expect(await dir.lookup('nobody')).toBeUndefined();
    expect(dir.queries).toEqual(['nobody']);
    clock.advance(100);
    expect(await dir.lookup('nobody')).toBeUndefined();
    expect(dir.queries).toEqual(['nobody', 'nobody']);
  });

  it('never caches unavailability', async () => {
    const dir = new FakeDirectory();
    dir.answer = async () => {
      throw new DirectoryUnavailableError('fake', 'down');
    };
    await expect(dir.lookup('known-a')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(dir.lookup('known-a')).rejects.toMatchObject({ code: 'LVS7_ERR_DIRECTORY_UNAVAILABLE' });
    expect(dir.queries).toHaveLength(2);
    expect(dir.stats.size).toBe(0);
  });

  it('wraps other errors (even synchronous throws) as DirectoryUnavailableError', async () => {
    const dir = new FakeDirectory();
    dir.answer = () => {
      throw new TypeError('bug');
    };
    const err = await dir.lookup('known-a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryUnavailableError);
    expect((err as Error).cause).toBeInstanceOf(TypeError);
    dir.answer = async () => undefined;
    expect(await dir.lookup('known-a')).toBeUndefined();
  });

  it('coalesces concurrent lookups of one user into one query', async () => {
    const dir = new FakeDirectory();
    const pending = deferred<MailboxEntry | undefined>();
    dir.answer = () => pending.promise;
    const lookups = [dir.lookup('known-a'), dir.lookup('Known-A'), dir.lookup(' known-a ')];
    expect(dir.queries).toEqual(['known-a']);
    const entry = toMailboxEntry('uid=a', { mail: ['known-a'] }, 'mailhost');
    pending.resolve(entry);
    expect(await Promise.all(lookups)).toEqual([entry, entry, entry]);
    expect(dir.stats).toMatchObject({ misses: 1, coalesced: 2 });
  });

  it('shares a failure among coalesced lookups, then asks again', async () => {
    const dir = new FakeDirectory();
    const pending = deferred<MailboxEntry | undefined>();
    dir.answer = () => pending.promise;
    const lookups = [dir.lookup('known-a'), dir.lookup('known-a')].map((p) => p.catch((e: unknown) => e));
    pending.reject(new DirectoryUnavailableError('fake', 'timeout'));
    for (const result of await Promise.all(lookups)) expect(result).toBeInstanceOf(DirectoryUnavailableError);
    dir.answer = async () => undefined;
    expect(await dir.lookup('known-a')).toBeUndefined();
    expect(dir.queries).toHaveLength(2);
  });

  it('evicts the least recently used user beyond cacheSize', async () => {
    const dir = new FakeDirectory({ cacheSize: 2 });
    await dir.lookup('known-a');
    await dir.lookup('known-b');
    await dir.lookup('known-a'); // a is now the most recently used
    await dir.lookup('known-c'); // evicts b
    expect(dir.stats.size).toBe(2);
    await dir.lookup('known-a');
    expect(dir.queries).toEqual(['known-a', 'known-b', 'known-c']);
    await dir.lookup('known-b');
    expect(dir.queries).toEqual(['known-a', 'known-b', 'known-c', 'known-b']);
  });

  it('caches nothing with cacheTtl and negativeCacheTtl 0', async () => {
    const dir = new FakeDirectory({ cacheTtl: 0, negativeCacheTtl: 0 });
    await dir.lookup('known-a');
    await dir.lookup('known-a');
    await dir.lookup('nobody');
    await dir.lookup('nobody');
    expect(dir.queries).toHaveLength(4);
  });

  it('does not cache an answer that arrives after clearCache()', async () => {
    const dir = new FakeDirectory();
    const pending = deferred<MailboxEntry | undefined>();
    dir.answer = () => pending.promise;
    const stale = dir.lookup('known-a');
    await dir.reload();
    pending.resolve(undefined);
    await stale;
    dir.answer = async (key) => toMailboxEntry(`uid=${key}`, { mail: [key] }, 'mailhost');
    expect(await dir.lookup('known-a')).toBeDefined();
    expect(dir.queries).toHaveLength(2);
  });

  it('answers empty or absurd users without a query, and rejects after close()', async () => {
    const dir = new FakeDirectory();
    expect(await dir.lookup('')).toBeUndefined();
    expect(await dir.lookup('   ')).toBeUndefined();
    expect(await dir.lookup('x'.repeat(2000))).toBeUndefined();
    expect(dir.queries).toEqual([]);
    await dir.close();
    await expect(dir.lookup('known-a')).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });
});
