import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, newer, ReplicatedTable } from '../src/replicated-table.js';
import type { TableWrite } from '../src/write-buffer.js';

function table(options = { ttlMs: 1_000, maxEntries: 3 }, id = 'b') {
  let now = 10_000;
  const writes: TableWrite[] = [];
  const t = new ReplicatedTable(
    't',
    options,
    id,
    (w) => writes.push(w),
    () => now,
  );
  return { t, writes, advance: (ms: number) => (now += ms), now: () => now };
}

describe('ReplicatedTable', () => {
  it('reads synchronously from its view and hands every write on', () => {
    const { t, writes } = table();
    t.set('k', 'web1');
    expect(t.get('k')).toBe('web1');
    t.delete('k');
    expect(t.get('k')).toBeUndefined();
    expect(writes.map((w) => [w.key, w.value, w.origin, w.ttlMs])).toEqual([
      ['k', 'web1', 'b', 1_000],
      ['k', undefined, 'b', 1_000],
    ]);
  });

  it('expires entries after the ttl and drops the least recently used beyond maxEntries', () => {
    const { t, advance } = table();
    t.set('a', '1');
    t.set('b', '2');
    t.set('c', '3');
    t.touch('a');
    t.set('d', '4');
    expect([t.get('a'), t.get('b'), t.get('c'), t.get('d')]).toEqual(['1', undefined, '3', '4']);
    advance(1_000);
    expect(t.get('a')).toBeUndefined();
    expect(t.size).toBe(2);
  });

  it('forwards touches at most every ttl/4, with the same version', () => {
    const { t, writes, advance } = table();
    t.set('k', 'v');
    const version = writes[0]!.ts;
    advance(100);
    t.touch('k');
    expect(writes).toHaveLength(1);
    advance(200);
    t.touch('k');
    expect(writes).toHaveLength(2);
    expect(writes[1]).toMatchObject({ key: 'k', value: 'v', ts: version, origin: 'b' });
  });

  it('applies the newer version, so concurrent writers converge on one value', () => {
    const a = table(undefined, 'a');
    const b = table(undefined, 'b');
    a.t.set('k', 'web1');
    b.t.set('k', 'web2'); // same ms: instance id breaks the tie ('b' > 'a')
    const [fromA] = a.writes;
    const [fromB] = b.writes;
    expect(a.t.applyRemote('k', fromB!)).toBe(true);
    expect(b.t.applyRemote('k', fromA!)).toBe(false);
    expect(a.t.get('k')).toBe('web2');
    expect(b.t.get('k')).toBe('web2');
  });

  it('makes a local write newer than a remote one from a clock that runs ahead', () => {
    const { t, writes, now } = table();
    t.applyRemote('k', { value: 'x', ts: now() + 60_000, origin: 'z' });
    t.set('k', 'y');
    expect(writes[0]!.ts).toBe(now() + 60_001);
    expect(newer(writes[0]!, { ts: now() + 60_000, origin: 'z' })).toBe(true);
  });

  it('takes the remaining ttl of loaded entries, capped at its own', () => {
    const { t, advance } = table();
    t.applyRemote('short', { value: 'v', ts: 1, origin: 'a' }, 100);
    t.applyRemote('long', { value: 'v', ts: 1, origin: 'a' }, 99_999);
    advance(150);
    expect(t.get('short')).toBeUndefined();
    advance(800);
    expect(t.get('long')).toBe('v');
    advance(100);
    expect(t.get('long')).toBeUndefined();
  });

  it('applies remote deletes that are not older than its entry', () => {
    const { t, writes } = table();
    t.set('k', 'v');
    const { ts } = writes[0]!;
    expect(t.applyRemote('k', { value: undefined, ts: ts - 1, origin: 'z' })).toBe(false);
    expect(t.applyRemote('k', { value: undefined, ts: ts + 1, origin: 'a' })).toBe(true);
    expect(t.get('k')).toBeUndefined();
  });

  it('lists its live entries as writes, for re-publishing', () => {
    const { t } = table();
    t.set('a', '1');
    t.set('b', '2');
    expect([...t.writes()].map((w) => [w.key, w.value])).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
  });
});

describe('entry encoding', () => {
  it('round-trips and rejects what lvs7 did not write', () => {
    expect(decodeEntry(encodeEntry(5, 'a', 'web1'))).toEqual({ ts: 5, origin: 'a', value: 'web1' });
    expect(decodeEntry('web1')).toBeUndefined();
    expect(decodeEntry('[1,"a"]')).toBeUndefined();
  });
});
