import { describe, expect, it } from 'vitest';
import { createScheduler, type KeyValueTable, MemoryTable } from '../../src/index.js';
import { server } from './helpers.js';

/** A table that records touches, to check lblc refreshes entries it uses. */
class RecordingTable extends MemoryTable {
  touched: string[] = [];
  constructor(now: () => number = () => 0) {
    super({ ttlMs: 60_000, maxEntries: 1000 }, now);
  }
  override touch(key: string): void {
    this.touched.push(key);
    super.touch(key);
  }
}

describe('lblc (ip_vs_lblc)', () => {
  const setup = () => {
    const table = new RecordingTable();
    const scheduler = createScheduler('lblc', { table });
    const servers = [server('a', 4), server('b', 4), server('c', 4)];
    return { table, scheduler, servers };
  };

  it('maps a new key by wlc and keeps it while the server is not overloaded', () => {
    const { table, scheduler, servers } = setup();
    servers[0]!.active = 1;
    expect(scheduler.pick(servers, { key: '/img/1' })?.name).toBe('b');
    expect(table.get('/img/1')).toBe('b');
    servers[1]!.active = 4; // busier than everyone, but not over its weight
    expect(scheduler.pick(servers, { key: '/img/1' })?.name).toBe('b');
    expect(table.touched).toEqual(['/img/1']);
  });

  it('re-picks when active > weight while another server is under half its weight', () => {
    const { table, scheduler, servers } = setup();
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('a');
    servers[0]!.active = 5; // over weight 4
    servers[1]!.active = 2; // 2*2 = 4, not under 4
    servers[2]!.active = 2;
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('a');
    servers[2]!.active = 1; // 2*1 < 4: a is overloaded now
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('c');
    expect(table.get('k')).toBe('c');
  });

  it('re-picks when the mapped server left the eligible list', () => {
    const { table, scheduler, servers } = setup();
    table.set('k', 'gone');
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('a');
    expect(table.get('k')).toBe('a');
  });

  it('keeps a full mapped server (the pool queues for it) but never maps a key to a full one', () => {
    const { table, scheduler, servers } = setup();
    servers[0]!.full = true;
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('b');
    servers[1]!.full = true;
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('b');
    expect(scheduler.pick(servers, { key: 'new' })?.name).toBe('c');
    servers[2]!.full = true;
    expect(scheduler.pick(servers, { key: 'newer' })).toBeUndefined();
    expect(table.get('newer')).toBeUndefined();
  });

  it('uses the client address without a key, and a retry does not remap', () => {
    const { table, scheduler, servers } = setup();
    expect(scheduler.pick(servers, { clientAddress: '192.0.2.1' })?.name).toBe('a');
    const retry = scheduler.pick(servers, { clientAddress: '192.0.2.1', exclude: new Set([servers[0]!]) });
    expect(retry?.name).toBe('b');
    expect(table.get('192.0.2.1')).toBe('a');
    expect(scheduler.pick(servers, { key: 'x', exclude: new Set(servers) })).toBeUndefined();
    expect(scheduler.pick([], { key: 'x' })).toBeUndefined();
  });
});

describe('lblcr (ip_vs_lblcr)', () => {
  const setup = (shrinkAfterMs = 1000) => {
    let now = 10_000;
    const clock = () => now;
    const table: KeyValueTable = new MemoryTable({ ttlMs: 1e9, maxEntries: 1000 }, clock);
    const scheduler = createScheduler('lblcr', { table, now: clock, lblcrShrinkAfterMs: shrinkAfterMs });
    const servers = [server('a', 4), server('b', 4), server('c', 4)];
    const advance = (ms: number) => {
      now += ms;
    };
    return { table, scheduler, servers, advance };
  };

  it('creates a one-member set by wlc', () => {
    const { table, scheduler, servers } = setup();
    servers[0]!.active = 1;
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('b');
    expect(table.get('k')).toBe('10000\nb');
  });

  it('grows the set when its least loaded member is overloaded, then balances inside it', () => {
    const { table, scheduler, servers, advance } = setup();
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('a');
    servers[0]!.active = 5;
    servers[1]!.active = 3;
    advance(10);
    // a overloaded (5 > 4 while c has 2*0 < 4): wlc over all -> c joins, newest first
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('c');
    expect(table.get('k')).toBe('10010\nc\na');
    servers[2]!.active = 3;
    servers[0]!.active = 1;
    // both members fine: the least loaded member (a) serves, b stays out
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('a');
    expect(table.get('k')).toBe('10010\nc\na');
  });

  it('adds a member when no member is eligible (or all are excluded)', () => {
    const { table, scheduler, servers } = setup();
    table.set('k', '10000\ngone');
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('a');
    expect(table.get('k')).toBe('10000\na\ngone');
    expect(scheduler.pick(servers, { key: 'k', exclude: new Set([servers[0]!]) })?.name).toBe('b');
    expect(table.get('k')).toBe('10000\nb\na\ngone');
  });

  it('replicates past a full member, as IPVS past an overloaded one', () => {
    const { table, scheduler, servers } = setup();
    table.set('k', '10000\na');
    servers[0]!.full = true;
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('b');
    expect(table.get('k')).toBe('10000\nb\na');
  });

  it('drops the most loaded member once the set is unchanged for lblcrShrinkAfterMs', () => {
    const { table, scheduler, servers, advance } = setup(1000);
    table.set('k', '10000\na\nb\nc');
    servers[0]!.active = 2;
    servers[1]!.active = 3; // most loaded: 3/4
    servers[2]!.active = 1;
    advance(1000);
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('c');
    expect(table.get('k')).toBe('10000\na\nb\nc'); // not yet: needs strictly more than 1000 ms
    advance(1);
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('c');
    expect(table.get('k')).toBe('11001\na\nc');
    advance(1001);
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('c');
    expect(table.get('k')).toBe('12002\nc');
    advance(5000);
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('c'); // a single member never shrinks
    expect(table.get('k')).toBe('12002\nc');
  });

  it('drops members that are no longer eligible before live ones', () => {
    const { table, scheduler, servers, advance } = setup(1000);
    table.set('k', '0\na\ngone\nb');
    servers[1]!.active = 3;
    advance(1);
    expect(scheduler.pick(servers, { key: 'k' })?.name).toBe('a');
    expect(table.get('k')).toBe('10001\na\nb');
  });
});
