import { describe, expect, it } from 'vitest';
import { CorruptUidListError } from '../src/errors.js';
import {
  appendRecords,
  emptyUidList,
  parseUidList,
  removeRecords,
  serializeUidList,
} from '../src/maildir/uidlist.js';

const DOVECOT = `3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1
25019 :1275660208.M1P2.host,S=120,W=123
25020 W2091 :1275660209.M5P2.host,S=2047:2,S
25021 :1275660210.M7P2.host
`;

describe('dovecot-uidlist', () => {
  it('parses a Dovecot v3 file', () => {
    const list = parseUidList(DOVECOT);
    expect(list.uidValidity).toBe(1275660208);
    expect(list.nextUid).toBe(25022);
    expect(list.guid).toBe('3085f01b7f11094c501100008c4a11c1');
    expect(list.records.map((r) => [r.uid, r.base, r.extensions])).toEqual([
      [25019, '1275660208.M1P2.host,S=120,W=123', ''],
      [25020, '1275660209.M5P2.host,S=2047', 'W2091'],
      [25021, '1275660210.M7P2.host', ''],
    ]);
  });

  it('round-trips what it writes', () => {
    const list = parseUidList(DOVECOT);
    expect(parseUidList(serializeUidList(list))).toEqual(list);
    expect(serializeUidList(list)).toBe(DOVECOT);
  });

  it('reads the v1 (Courier-compatible) format', () => {
    const list = parseUidList('1 1000 7\n3 a.b.c\n5 d.e.f:2,S\n');
    expect(list.uidValidity).toBe(1000);
    expect(list.nextUid).toBe(7);
    expect(list.records.map((r) => r.base)).toEqual(['a.b.c', 'd.e.f']);
  });

  it('never hands out a uid at or below an existing one', () => {
    const list = parseUidList('3 V5 N2\n1 :a\n9 :b\n');
    expect(list.nextUid).toBe(10);
    const { list: next, added } = appendRecords(list, ['c:2,S', 'b', 'd']);
    expect(added.map((r) => [r.uid, r.base])).toEqual([
      [10, 'c'],
      [11, 'd'],
    ]);
    expect(next.nextUid).toBe(12);
  });

  it('removes records by base, keeping the next uid', () => {
    const { list } = appendRecords(emptyUidList(77), ['a', 'b', 'c']);
    const after = removeRecords(list, new Set(['b']));
    expect(after.records.map((r) => r.uid)).toEqual([1, 3]);
    expect(after.nextUid).toBe(4);
    expect(after.uidValidity).toBe(77);
  });

  it('rejects corrupt files with the line number', () => {
    expect(() => parseUidList('3 N5\n')).toThrow(CorruptUidListError);
    expect(() => parseUidList('7 V1\n')).toThrow(/unsupported uidlist version/);
    expect(() => parseUidList('3 V1 N3\n2 :a\n1 :b\n')).toThrow(/:3: bad record/);
  });

  it('ignores a torn last line', () => {
    expect(parseUidList('3 V1 N2\n1 :a\n2 :b').records.map((r) => r.uid)).toEqual([1]);
  });
});
