import { MemoryStateStore, Pool } from '@lvs7/core';
import type { MailboxEntry } from '@lvs7/directory';
import { MailRouter } from '@lvs7/mail';
import { afterEach, describe, expect, it } from 'vitest';
import { SmtpError } from '../src/errors.js';
import { RecipientPlacement } from '../src/routing/placement.js';
import { FakeDirectory } from './helpers/fake-directory.js';

const directory = new FakeDirectory([]);
const placements: RecipientPlacement[] = [];
afterEach(() => {
  for (const p of placements.splice(0)) p.close();
});

function setup(scheduler = 'rr', state?: MemoryStateStore): { pool: Pool; placement: RecipientPlacement } {
  const pool = new Pool('mail', {
    scheduler,
    servers: [
      { name: 'store1.example.org', address: '10.0.0.1:24' },
      { name: 'store2.example.org', address: '10.0.0.2:24' },
      { name: 'store3.example.org', address: '10.0.0.3:24' },
    ],
  });
  const placement = new RecipientPlacement(pool, directory, state);
  placements.push(placement);
  return { pool, placement };
}

function entry(mailbox: string, host?: string): MailboxEntry {
  return { mailbox, host, aliases: [], dn: `uid=${mailbox}`, attributes: {} };
}

describe('RecipientPlacement (on @lvs7/mail’s MailRouter)', () => {
  it('pins a mailbox to the server whose name is its mailHost', () => {
    const { pool, placement } = setup();
    expect(placement.place(entry('alice@example.org', 'store2.example.org'))).toEqual({
      server: pool.get('store2.example.org'),
      pinned: true,
    });
    // A host that names no server of the pool pins nothing.
    expect(placement.place(entry('dave@example.org', 'mx.example.net'))?.pinned).toBe(false);
  });

  it('never moves a pinned mailbox: its server in maint or down → nowhere (451); in drain → still there', () => {
    const { pool, placement } = setup();
    const alice = entry('alice@example.org', 'store1.example.org');
    const store1 = pool.get('store1.example.org')!;
    pool.setState(store1.name, 'drain');
    expect(placement.place(alice)).toEqual({ server: store1, pinned: true });
    pool.setState(store1.name, 'maint');
    expect(placement.place(alice)).toBeUndefined();
    pool.setState(store1.name, 'ready');
    pool.setHealthy(store1, false);
    expect(placement.place(alice)).toBeUndefined();
    expect(() => placement.fits(alice, pool.get('store2.example.org')!)).toThrow(SmtpError);
  });

  it('places unpinned mailboxes by the scheduler, excluding servers that failed', () => {
    const { pool, placement } = setup();
    const exclude = new Set([pool.get('store1.example.org')!, pool.get('store3.example.org')!]);
    for (let i = 0; i < 5; i++)
      expect(placement.place(entry(`u${i}@example.org`), { exclude })?.server.name).toBe(
        'store2.example.org',
      );
  });

  it('follows a placement another protocol remembered in the shared state store', () => {
    const state = new MemoryStateStore();
    const { pool, placement } = setup('mh', state);
    const imap = new MailRouter({ pool, directory, state });
    imap.remember('carol@example.org', 'store3.example.org');
    imap.close();
    expect(placement.place(entry('carol@example.org'))?.server.name).toBe('store3.example.org');
  });

  it('remembers where it delivered, for the other protocols', () => {
    const state = new MemoryStateStore();
    const { pool, placement } = setup('rr', state);
    placement.remember(entry('erin@example.org'), pool.get('store2.example.org')!);
    const imap = new MailRouter({ pool, directory, state });
    expect(imap.remembered('erin@example.org')).toBe('store2.example.org');
    imap.close();
  });

  it('joins further recipients to the transaction’s server unless something places them elsewhere', () => {
    const rr = setup();
    const [a, b] = rr.pool.servers();
    expect(rr.placement.fits(entry('x@example.org'), a!)).toBe(true);
    expect(rr.placement.fits(entry('y@example.org', b!.name), a!)).toBe(false);
    expect(rr.placement.fits(entry('y@example.org', b!.name), b!)).toBe(true);
    const mh = setup('mh');
    const keys = Array.from({ length: 30 }, (_, i) => `user${i}@example.org`);
    const home = mh.pool.pick({ key: keys[0] })!;
    for (const key of keys) expect(mh.placement.fits(entry(key), home)).toBe(mh.pool.pick({ key }) === home);
  });
});
