import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MailboxLockLostError, MailboxLockTimeoutError } from '../src/errors.js';
import { FENCE_FILE, FileMailboxLock, LOCK_FILE } from '../src/maildir/mailbox-lock.js';
import { UidStore } from '../src/maildir/uid-store.js';
import { appendRecords } from '../src/maildir/uidlist.js';
import { tempRoot } from './helpers.js';

let root: Awaited<ReturnType<typeof tempRoot>>;
beforeEach(async () => {
  root = await tempRoot();
});
afterEach(() => root.remove());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FileMailboxLock', () => {
  it('excludes holders that share only the file (two nodes)', async () => {
    const counter = join(root.path, 'counter');
    await writeFile(counter, '0');
    const nodes = [new FileMailboxLock({ owner: 'a' }), new FileMailboxLock({ owner: 'b' })];
    const work = async (lock: FileMailboxLock) => {
      const lease = await lock.acquire(root.path);
      try {
        const value = Number(await readFile(counter, 'utf8'));
        await sleep(1);
        await writeFile(counter, String(value + 1));
      } finally {
        await lease.release();
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, i) => work(nodes[i % 2]!)));
    expect(await readFile(counter, 'utf8')).toBe('40');
  });

  it('hands out growing fencing tokens', async () => {
    const lock = new FileMailboxLock();
    const tokens: number[] = [];
    for (let i = 0; i < 3; i++) {
      const lease = await lock.acquire(root.path);
      tokens.push(lease.token);
      await lease.release();
    }
    expect(tokens).toEqual([1, 2, 3]);
    expect((await readFile(join(root.path, FENCE_FILE), 'utf8')).trim()).toBe('3');
  });

  it('breaks a stale lock left by a dead node', async () => {
    await writeFile(join(root.path, LOCK_FILE), 'lvs7 dead.1.x 0\n');
    const old = new Date(Date.now() - 60_000);
    await utimes(join(root.path, LOCK_FILE), old, old);
    const lease = await new FileMailboxLock({ staleMs: 1000, timeoutMs: 2000 }).acquire(root.path);
    expect(lease.token).toBe(1);
    await lease.release();
  });

  it('times out while a live holder keeps the lock', async () => {
    const holder = await new FileMailboxLock().acquire(root.path);
    await expect(new FileMailboxLock({ timeoutMs: 100 }).acquire(root.path)).rejects.toBeInstanceOf(
      MailboxLockTimeoutError,
    );
    await holder.release();
  });

  it('fences off a holder that lost its lock', async () => {
    // Node A stalls longer than node B's stale timeout; B takes over.
    const a = await new FileMailboxLock({ owner: 'a', staleMs: 60_000 }).acquire(root.path);
    await sleep(150);
    const b = await new FileMailboxLock({ owner: 'b', staleMs: 100, timeoutMs: 2000 }).acquire(root.path);
    expect(b.token).toBeGreaterThan(a.token);
    await expect(a.assertHeld()).rejects.toBeInstanceOf(MailboxLockLostError);
    await b.assertHeld();
    // A's release must not remove B's lock file.
    await a.release();
    expect(await readFile(join(root.path, LOCK_FILE), 'utf8')).toContain(' b.');
    await b.release();
  });

  it('keeps a fenced-off writer from replacing the uid list', async () => {
    const store = new UidStore(root.path, new FileMailboxLock());
    await store.update((s) => ({ ...s, list: appendRecords(s.list, ['one']).list }));
    // Another node bumps the fence while our write is under way.
    const sneaky = new UidStore(root.path, {
      acquire: async (dir) => {
        const lease = await new FileMailboxLock().acquire(dir);
        await writeFile(join(dir, FENCE_FILE), `${lease.token + 5}\n`);
        return lease;
      },
    });
    await expect(
      sneaky.update((s) => ({ ...s, list: appendRecords(s.list, ['two']).list })),
    ).rejects.toBeInstanceOf(MailboxLockLostError);
    const list = await new UidStore(root.path, new FileMailboxLock()).readList();
    expect(list?.records.map((r) => r.base)).toEqual(['one']);
  });
});
