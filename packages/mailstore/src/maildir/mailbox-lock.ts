import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MailboxLockLostError, MailboxLockTimeoutError } from '../errors.js';
import { KeyedMutex } from './keyed-mutex.js';

/**
 * Mutual exclusion for the writers of a mailbox's uid list, across every
 * node that shares the storage. A lease carries a fencing token that grows
 * with every acquisition: a holder that stalled past the stale timeout and
 * lost its lock finds a newer token in assertHeld() and must not write.
 */
export interface MailboxLease {
  readonly token: number;
  /** Rejects with MailboxLockLostError when a newer token was issued. */
  assertHeld(): Promise<void>;
  release(): Promise<void>;
}

export interface MailboxLock {
  /** Takes the lock for the Maildir folder at `dir`. */
  acquire(dir: string): Promise<MailboxLease>;
}

export interface FileMailboxLockOptions {
  /** Who holds it, written into the lock file for humans. */
  readonly owner?: string | undefined;
  /** A lock file not touched for this long belongs to a dead holder. Default 30 s. */
  readonly staleMs?: number | undefined;
  /** Give up waiting after this long. Default 10 s. */
  readonly timeoutMs?: number | undefined;
}

/** Dovecot's own lock name, so a real Dovecot on the same storage is excluded too. */
export const LOCK_FILE = 'dovecot-uidlist.lock';
/** The highest fencing token issued for the folder. */
export const FENCE_FILE = 'lvs7-uidlist.fence';

/**
 * The lock as a file created with O_EXCL (atomic on local file systems and
 * NFSv3+), refreshed while held and broken when older than staleMs. Within
 * one process, waiters queue on a mutex instead of polling the file.
 */
export class FileMailboxLock implements MailboxLock {
  readonly #owner: string;
  readonly #staleMs: number;
  readonly #timeoutMs: number;
  readonly #local = new KeyedMutex();

  constructor(options: FileMailboxLockOptions = {}) {
    this.#owner = (options.owner ?? 'lvs7').replace(/\s+/g, '_');
    this.#staleMs = options.staleMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async acquire(dir: string): Promise<MailboxLease> {
    const deadline = Date.now() + this.#timeoutMs;
    const unlockLocal = await this.#local.lock(
      dir,
      this.#timeoutMs,
      () => new MailboxLockTimeoutError(dir, this.#timeoutMs),
    );
    try {
      const id = `${this.#owner}.${process.pid}.${randomBytes(6).toString('hex')}`;
      await this.#createLockFile(dir, deadline);
      const token = await bumpFence(dir);
      await writeFile(join(dir, LOCK_FILE), `lvs7 ${id} ${token}\n`);
      return new FileLease(dir, id, token, this.#staleMs, unlockLocal);
    } catch (error) {
      unlockLocal();
      throw error;
    }
  }

  async #createLockFile(dir: string, deadline: number): Promise<void> {
    const path = join(dir, LOCK_FILE);
    let wait = 2;
    for (;;) {
      try {
        // Empty until the holder writes its id and token (acquire()).
        await (await open(path, 'wx')).close();
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      if (await this.#breakIfStale(path)) continue;
      if (Date.now() >= deadline) throw new MailboxLockTimeoutError(dir, this.#timeoutMs);
      await sleep(wait + Math.random() * wait);
      wait = Math.min(wait * 2, 50);
    }
  }

  /** Moves a stale lock aside; true when the caller should retry at once. */
  async #breakIfStale(path: string): Promise<boolean> {
    let before: Awaited<ReturnType<typeof stat>>;
    try {
      before = await stat(path);
    } catch {
      return true; // released meanwhile
    }
    if (Date.now() - before.mtimeMs < this.#staleMs) return false;
    const aside = `${path}.stale.${randomBytes(6).toString('hex')}`;
    try {
      await rename(path, aside);
    } catch {
      return true; // someone else broke it first
    }
    const moved = await stat(aside).catch(() => undefined);
    if (moved && (moved.ino !== before.ino || moved.mtimeMs !== before.mtimeMs)) {
      // Another breaker won and a new holder created a fresh lock that we just
      // moved: put it back. Its fence token stays valid either way.
      await rename(aside, path).catch(() => {});
      return true;
    }
    await unlink(aside).catch(() => {});
    return true;
  }
}

class FileLease implements MailboxLease {
  readonly token: number;
  readonly #dir: string;
  readonly #id: string;
  readonly #timer: NodeJS.Timeout;
  readonly #unlockLocal: () => void;
  #released = false;

  constructor(dir: string, id: string, token: number, staleMs: number, unlockLocal: () => void) {
    this.#dir = dir;
    this.#id = id;
    this.token = token;
    this.#unlockLocal = unlockLocal;
    // Keep the lock fresh so nobody thinks we died while we still work.
    this.#timer = setInterval(() => void this.#touch(), Math.max(50, staleMs / 3));
    this.#timer.unref();
  }

  async assertHeld(): Promise<void> {
    const current = await readFence(this.#dir);
    if (current !== this.token) throw new MailboxLockLostError(this.#dir, this.token, current);
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    try {
      if (await this.#ours()) await unlink(join(this.#dir, LOCK_FILE));
    } catch {
      // gone already: nothing to release
    } finally {
      this.#unlockLocal();
    }
  }

  async #ours(): Promise<boolean> {
    const text = await readFile(join(this.#dir, LOCK_FILE), 'utf8').catch(() => '');
    return text.split(' ')[1] === this.#id;
  }

  async #touch(): Promise<void> {
    if (this.#released || !(await this.#ours())) return;
    const now = new Date();
    await utimes(join(this.#dir, LOCK_FILE), now, now).catch(() => {});
  }
}

async function readFence(dir: string): Promise<number> {
  try {
    return Number((await readFile(join(dir, FENCE_FILE), 'utf8')).trim()) || 0;
  } catch {
    return 0;
  }
}

/** Issues the next token (only lock holders call this, so read-increment-write is safe). */
async function bumpFence(dir: string): Promise<number> {
  const token = (await readFence(dir)) + 1;
  const tmp = join(dir, `${FENCE_FILE}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, `${token}\n`);
  await rename(tmp, join(dir, FENCE_FILE));
  return token;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
