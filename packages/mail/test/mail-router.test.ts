import { MemoryStateStore, Pool } from '@lvs7/core';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthFailedError, TemporaryFailureError } from '../src/errors.js';
import { MailRouter } from '../src/router/mail-router.js';
import { FakeDirectory } from './helpers/fake-directory.js';

const servers = (n: number, port = 1000) =>
  Array.from({ length: n }, (_, i) => ({
    name: `mail${i + 1}.example.org`,
    address: `127.0.0.1:${port + i}`,
  }));

const routers: MailRouter[] = [];
function router(pool: Pool, directory: FakeDirectory, state = new MemoryStateStore()): MailRouter {
  const r = new MailRouter({ pool, directory, state, placementTtl: 60_000 });
  routers.push(r);
  return r;
}
afterEach(() => {
  for (const r of routers.splice(0)) r.close();
});

describe('MailRouter', () => {
  const directory = new FakeDirectory([
    { uid: 'alice', host: 'mail1.example.org' },
    { uid: 'bob', host: 'mail2.example.org' },
    { uid: 'dave', host: 'mx.example.net' },
    ...Array.from({ length: 200 }, (_, i) => ({ uid: `user${i}` })),
  ]);

  it('places a user on the server the directory names', async () => {
    const r = router(new Pool('imap', { scheduler: 'mh', servers: servers(3) }), directory);
    const p = r.place(await r.resolve('alice'));
    expect(p).toMatchObject({ reason: 'directory', pinned: true, directoryHost: 'mail1.example.org' });
    expect(p.server.name).toBe('mail1.example.org');
    expect(r.place(await r.resolve('BOB')).server.name).toBe('mail2.example.org');
  });

  it('rejects unknown users as an authentication failure and directory outages as temporary', async () => {
    const r = router(new Pool('imap', { scheduler: 'mh', servers: servers(2) }), directory);
    await expect(r.resolve('nobody')).rejects.toBeInstanceOf(AuthFailedError);
    directory.available = false;
    try {
      await expect(r.resolve('alice')).rejects.toBeInstanceOf(TemporaryFailureError);
    } finally {
      directory.available = true;
    }
  });

  it('hashes users without a host the same way in every instance and protocol', async () => {
    // Two lvs7 instances (separate tables) with an IMAP and a POP3 pool of the same names.
    const imap = router(new Pool('imap', { scheduler: 'mh', servers: servers(3, 1000) }), directory);
    const pop3 = router(new Pool('pop3', { scheduler: 'mh', servers: servers(3, 2000) }), directory);
    const counts = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const entry = await imap.resolve(`user${i}`);
      const a = imap.place(entry);
      expect(a.reason).toBe('hash');
      expect(pop3.place(entry).server.name).toBe(a.server.name);
      counts.set(a.server.name, (counts.get(a.server.name) ?? 0) + 1);
    }
    expect(counts.size).toBe(3); // spread over all servers
  });

  it('hashes a user whose directory host is not in the pool, and says so', async () => {
    const r = router(new Pool('imap', { scheduler: 'mh', servers: servers(2) }), directory);
    const p = r.place(await r.resolve('dave'));
    expect(p.reason).toBe('hash');
    expect(p.detail).toContain('mx.example.net');
  });

  it('fails over when the named server is down', async () => {
    const pool = new Pool('imap', { scheduler: 'mh', servers: servers(3) });
    const r = router(pool, directory);
    pool.setHealthy(pool.mustGet('mail1.example.org'), false);
    const p = r.place(await r.resolve('alice'));
    expect(p.reason).toBe('failover');
    expect(p.pinned).toBe(false);
    expect(p.server.name).not.toBe('mail1.example.org');
  });

  it('keeps a remembered placement across weight changes and new servers', async () => {
    const pool = new Pool('imap', { scheduler: 'mh', servers: servers(2) });
    const r = router(pool, directory);
    const before = new Map<string, string>();
    for (let i = 0; i < 100; i++) {
      const p = r.place(await r.resolve(`user${i}`));
      r.remember(p.mailbox, p.server.name);
      before.set(p.mailbox, p.server.name);
    }
    pool.add({ name: 'mail3.example.org', address: '127.0.0.1:1002' });
    pool.setWeight('mail1.example.org', 5);
    for (let i = 0; i < 100; i++) {
      const p = r.place(await r.resolve(`user${i}`));
      expect(p.reason).toBe('remembered');
      expect(p.server.name).toBe(before.get(p.mailbox));
    }
    // A router without the remembered table would move some of them.
    const fresh = router(pool, directory);
    let moved = 0;
    for (let i = 0; i < 100; i++) {
      const p = fresh.place(await fresh.resolve(`user${i}`));
      if (p.server.name !== before.get(p.mailbox)) moved++;
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('keeps a failed-over user where they are when the named server comes back', async () => {
    const pool = new Pool('imap', { scheduler: 'mh', servers: servers(3) });
    const r = router(pool, directory);
    const alice = await r.resolve('alice');
    pool.setHealthy(pool.mustGet('mail1.example.org'), false);
    const failover = r.place(alice);
    r.remember(failover.mailbox, failover.server.name);
    pool.setHealthy(pool.mustGet('mail1.example.org'), true);
    expect(r.place(alice)).toMatchObject({ reason: 'remembered', server: failover.server });
    r.forget(failover.mailbox);
    expect(r.place(alice)).toMatchObject({ reason: 'directory' });
  });

  it('expires placements placementTtl after the last session', async () => {
    let now = 1_000_000;
    const state = new MemoryStateStore(() => now);
    const pool = new Pool('imap', { scheduler: 'mh', servers: servers(2) });
    const r = router(pool, directory, state);
    r.remember('user1@example.org', 'mail2.example.org');
    const detach = r.attach({
      mailbox: 'user1@example.org',
      server: pool.mustGet('mail2.example.org'),
      kick() {},
    });
    now += 50_000;
    detach(); // touches: the ttl counts from here
    now += 50_000;
    expect(r.remembered('user1@example.org')).toBe('mail2.example.org');
    now += 20_000;
    expect(r.remembered('user1@example.org')).toBeUndefined();
  });

  it('excludes servers that refused the connection', async () => {
    const pool = new Pool('imap', { scheduler: 'mh', servers: servers(3) });
    const r = router(pool, directory);
    const entry = await r.resolve('user7');
    const first = r.place(entry);
    const second = r.place(entry, { exclude: new Set([first.server]) });
    expect(second.server).not.toBe(first.server);
    r.remember(first.mailbox, first.server.name);
    expect(r.place(entry, { exclude: new Set([first.server]) })).toMatchObject({ reason: 'failover' });
  });

  it('throws a temporary failure when no server is eligible', async () => {
    const pool = new Pool('imap', { scheduler: 'mh', servers: servers(1) });
    const r = router(pool, directory);
    pool.setState('mail1.example.org', 'maint');
    expect(() => r.place({ mailbox: 'x@example.org', aliases: [], dn: '', attributes: {} })).toThrow(
      TemporaryFailureError,
    );
  });

  it('moves a user: remembers the new server and kicks sessions elsewhere', async () => {
    const pool = new Pool('imap', { scheduler: 'mh', servers: servers(2) });
    const r = router(pool, directory);
    const kicked: string[] = [];
    const on = (name: string) => ({
      mailbox: 'alice@example.org',
      server: pool.mustGet(name),
      kick: () => kicked.push(name),
    });
    r.attach(on('mail1.example.org'));
    r.attach(on('mail2.example.org'));
    expect(r.move('alice@example.org', 'mail2.example.org')).toBe(1);
    expect(kicked).toEqual(['mail1.example.org']);
    expect(r.place(await r.resolve('alice'))).toMatchObject({ reason: 'remembered', pinned: false });
    expect(r.sessions.count('alice@example.org')).toBe(2); // kick() of the fake does not detach
  });
});
