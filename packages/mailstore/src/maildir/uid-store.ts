import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { KEYWORDS_FILE, parseKeywords, serializeKeywords } from './keywords.js';
import type { MailboxLock } from './mailbox-lock.js';
import { emptyUidList, parseUidList, serializeUidList, UIDLIST_FILE, type UidList } from './uidlist.js';

/** What the lock protects in a folder: the uid list and the keyword letters. */
export interface UidState {
  readonly list: UidList;
  readonly keywords: readonly (string | undefined)[];
}

export type UidMutation = (state: UidState) => UidState;

interface Pending {
  readonly mutate: UidMutation;
  readonly resolve: (state: UidState) => void;
  readonly reject: (error: unknown) => void;
}

interface Cached<T> {
  readonly key: string;
  readonly value: T;
}

/**
 * Reads a folder's uid list without locking (writers replace it by rename)
 * and changes it under the MailboxLock. Changes that arrive while a write is
 * under way are applied together in the next one (group commit): a burst of
 * deliveries to one mailbox costs one lock and one fsync, not one each.
 */
export class UidStore {
  readonly dir: string;
  readonly #lock: MailboxLock;
  readonly #fsync: boolean;
  #pending: Pending[] = [];
  #committing = false;
  #list: Cached<UidList> | undefined;
  #keywords: Cached<string[]> | undefined;

  constructor(dir: string, lock: MailboxLock, fsync = true) {
    this.dir = dir;
    this.#lock = lock;
    this.#fsync = fsync;
  }

  /** The current list, or undefined when the folder has none yet. */
  async readList(): Promise<UidList | undefined> {
    const path = join(this.dir, UIDLIST_FILE);
    const key = await statKey(path);
    if (key === undefined) return undefined;
    if (this.#list?.key === key) return this.#list.value;
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const value = parseUidList(text, path);
    this.#list = { key, value };
    return value;
  }

  async readKeywords(): Promise<string[]> {
    const path = join(this.dir, KEYWORDS_FILE);
    const key = await statKey(path);
    if (key === undefined) return [];
    if (this.#keywords?.key === key) return this.#keywords.value;
    const value = parseKeywords(await readFile(path, 'utf8').catch(() => ''));
    this.#keywords = { key, value };
    return value;
  }

  /** The list, created (with a new UIDVALIDITY) when missing. */
  async ensureList(): Promise<UidList> {
    return (await this.readList()) ?? (await this.update((state) => state)).list;
  }

  /** Applies `mutate` under the lock and resolves with the state written. */
  update(mutate: UidMutation): Promise<UidState> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ mutate, resolve, reject });
      if (!this.#committing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#committing = true;
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        const state = await this.#commit(batch);
        for (const p of batch) p.resolve(state);
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    this.#committing = false;
  }

  async #commit(batch: readonly Pending[]): Promise<UidState> {
    const lease = await this.#lock.acquire(this.dir);
    try {
      // Under the lock, always read afresh: another node may have written.
      this.#list = undefined;
      this.#keywords = undefined;
      const list = await this.readList();
      const keywords = await this.readKeywords();
      const before: UidState = { list: list ?? emptyUidList(), keywords };
      let state = before;
      for (const p of batch) state = p.mutate(state);
      if (state.keywords !== before.keywords) {
        await this.#replace(KEYWORDS_FILE, serializeKeywords(state.keywords), lease.assertHeld.bind(lease));
      }
      if (state.list !== before.list || list === undefined) {
        await this.#replace(UIDLIST_FILE, serializeUidList(state.list), lease.assertHeld.bind(lease));
      }
      return state;
    } finally {
      await lease.release();
    }
  }

  /** Write a temp file, fsync, check the fence, rename over the target. */
  async #replace(name: string, text: string, assertHeld: () => Promise<void>): Promise<void> {
    const tmp = join(this.dir, `${name}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(text);
      if (this.#fsync) await handle.datasync();
    } finally {
      await handle.close();
    }
    try {
      await assertHeld();
      await rename(tmp, join(this.dir, name));
    } catch (error) {
      await unlink(tmp).catch(() => {});
      throw error;
    }
  }
}

async function statKey(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return undefined;
  }
}
