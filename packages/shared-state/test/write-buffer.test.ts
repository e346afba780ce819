import { describe, expect, it } from 'vitest';
import { type TableWrite, WriteBuffer } from '../src/write-buffer.js';

const write = (key: string, value: string | undefined, ts = 1): TableWrite => ({
  table: 't',
  key,
  value,
  ts,
  origin: 'a',
  ttlMs: 1_000,
});

describe('WriteBuffer', () => {
  it('keeps only the latest write of a key', () => {
    const buffer = new WriteBuffer(10);
    buffer.add(write('k', 'v1', 1));
    buffer.add(write('k', 'v2', 2));
    buffer.add(write('j', undefined, 3));
    expect(buffer.size).toBe(2);
    expect(buffer.take(10).map((w) => [w.key, w.value])).toEqual([
      ['k', 'v2'],
      ['j', undefined],
    ]);
    expect(buffer.size).toBe(0);
  });

  it('never holds more than its bound: drops the oldest and says so', () => {
    const buffer = new WriteBuffer(3);
    for (let i = 0; i < 100; i++) buffer.add(write(`k${i}`, 'v'));
    expect(buffer.size).toBe(3);
    expect(buffer.overflowed).toBe(true);
    expect(buffer.take(10).map((w) => w.key)).toEqual(['k97', 'k98', 'k99']);
    buffer.clearOverflow();
    expect(buffer.overflowed).toBe(false);
  });

  it('puts back failed writes unless a newer one came meanwhile', () => {
    const buffer = new WriteBuffer(10);
    buffer.add(write('a', 'old'));
    buffer.add(write('b', 'old'));
    const sent = buffer.take(10);
    buffer.add(write('a', 'new', 5));
    buffer.restore(sent);
    const left = new Map(buffer.take(10).map((w) => [w.key, w.value]));
    expect(left).toEqual(
      new Map([
        ['a', 'new'],
        ['b', 'old'],
      ]),
    );
  });

  it('rejects a useless bound', () => {
    expect(() => new WriteBuffer(0)).toThrow(RangeError);
  });
});
