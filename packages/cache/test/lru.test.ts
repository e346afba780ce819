import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ByteLru, DiskStore, describeResponse, MemoryStore, type StoredObject } from '../src/index.js';

function object(path: string, size: number): StoredObject {
  const now = Date.now();
  const url = `http://origin.test${path}`;
  const meta = describeResponse({
    key: url,
    url,
    status: 200,
    statusText: 'OK',
    headers: { 'cache-control': 'max-age=60' },
    size,
    requestTime: now,
    responseTime: now,
  });
  return { meta, body: Buffer.alloc(size, path) };
}

describe('ByteLru: bounded by bytes, least recently used out first', () => {
  it('evicts the oldest entries until the total fits', () => {
    const evicted: string[] = [];
    const lru = new ByteLru<string>(100, (key) => evicted.push(key));
    lru.set('a', 'A', 40);
    lru.set('b', 'B', 40);
    lru.set('c', 'C', 40);
    expect(evicted).toEqual(['a']);
    expect(lru.bytes).toBe(80);
    expect([...lru.keys()]).toEqual(['b', 'c']);
  });

  it('a read makes an entry the most recent; peek does not', () => {
    const evicted: string[] = [];
    const lru = new ByteLru<string>(100, (key) => evicted.push(key));
    lru.set('a', 'A', 30);
    lru.set('b', 'B', 30);
    lru.set('c', 'C', 30);
    lru.get('a');
    lru.peek('b');
    lru.set('d', 'D', 30);
    expect(evicted).toEqual(['b']);
  });

  it('one large entry evicts several small ones; too large is refused', () => {
    const lru = new ByteLru<string>(100);
    for (const k of ['a', 'b', 'c', 'd', 'e']) lru.set(k, k, 20);
    lru.set('big', 'X', 70);
    expect([...lru.keys()]).toEqual(['e', 'big']);
    expect(lru.set('huge', 'Y', 101)).toBe(false);
    expect(lru.bytes).toBe(90);
  });

  it('replacing an entry adjusts the total', () => {
    const lru = new ByteLru<string>(100);
    lru.set('a', 'A', 60);
    lru.set('a', 'A2', 10);
    expect(lru.bytes).toBe(10);
    expect(lru.delete('a')).toBe('A2');
    expect(lru.bytes).toBe(0);
  });
});

describe('MemoryStore', () => {
  it('keeps the most recently used objects within its bytes', () => {
    const store = new MemoryStore(10_000, 5_000);
    for (let i = 0; i < 10; i++) store.put(object(`/o${i}`, 2_000));
    expect(store.bytes).toBeLessThanOrEqual(10_000);
    expect(store.count).toBe(4);
    expect(store.meta('http://origin.test/o9')).toBeDefined();
    expect(store.meta('http://origin.test/o0')).toBeUndefined();
    expect(store.put(object('/big', 6_000))).toBe(false);
  });
});

describe('DiskStore: files plus an index, bounded by size', () => {
  it('keeps objects across a reopen and evicts by bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lvs7-cache-test-'));
    try {
      const disk = await DiskStore.open({ path: dir, size: 10_000, maxObjectSize: 5_000 });
      for (let i = 0; i < 6; i++) {
        disk.put(object(`/d${i}`, 2_000));
        await disk.flush();
      }
      expect(disk.count).toBe(4);
      expect(disk.bytes).toBeLessThanOrEqual(10_000);
      const hit = await disk.get('http://origin.test/d5');
      expect(hit?.body.equals(Buffer.alloc(2_000, '/d5'))).toBe(true);
      expect(await disk.get('http://origin.test/d0')).toBeUndefined();
      await disk.close();

      const again = await DiskStore.open({ path: dir, size: 10_000, maxObjectSize: 5_000 });
      expect(again.count).toBe(4);
      expect(again.meta('http://origin.test/d5')?.size).toBe(2_000);
      expect((await again.get('http://origin.test/d4'))?.body.length).toBe(2_000);
      // Two files per object, in hashed subdirectories, nothing left over.
      let files = 0;
      for (const sub of await readdir(dir)) files += (await readdir(join(dir, sub))).length;
      expect(files).toBe(8);
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
