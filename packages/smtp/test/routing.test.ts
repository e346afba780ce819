import { afterEach, describe, expect, it } from 'vitest';
import { FakeBackend } from './helpers/fake-backend.js';
import { type Harness, startHarness } from './helpers/setup.js';
import { codes, TestClient } from './helpers/smtp-client.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function session(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  await c.read();
  await c.command('EHLO client.test');
  return c;
}

describe('one transaction, one backend', () => {
  it('answers 452 4.5.3 for a recipient on another server; the next transaction delivers it', async () => {
    h = await startHarness();
    const c = await session(h.port);
    const first = await c.pipeline([
      'MAIL FROM:<x@example.net>',
      'RCPT TO:<alice@example.org>',
      'RCPT TO:<bob@example.org>',
      'RCPT TO:<a.smith@example.org>',
      'DATA',
    ]);
    expect(codes(first)).toEqual([250, 250, 452, 250, 354]);
    expect(first[2]?.enhanced).toBe('4.5.3');
    c.write('Subject: 1\r\n\r\nhello\r\n.\r\n');
    expect((await c.read())?.code).toBe(250);
    const second = await c.pipeline(['MAIL FROM:<x@example.net>', 'RCPT TO:<bob@example.org>', 'DATA']);
    expect(codes(second)).toEqual([250, 250, 354]);
    c.write('Subject: 2\r\n\r\nhello\r\n.\r\n');
    expect((await c.read())?.code).toBe(250);
    const [mx1, mx2] = h.backends;
    expect(mx1!.messages.map((m) => m.recipients)).toEqual([['alice@example.org']]);
    expect(mx2!.messages.map((m) => m.recipients)).toEqual([['bob@example.org']]);
    expect(h.pool.get('mx1')!.total).toBe(1);
    expect(h.pool.get('mx1')!.active).toBe(0);
    c.close();
  });

  it('keeps unpinned mailboxes with the transaction (non-hashing scheduler)', async () => {
    h = await startHarness();
    const c = await session(h.port);
    const r = await c.pipeline([
      'MAIL FROM:<>',
      'RCPT TO:<bob@example.org>',
      'RCPT TO:<carol@example.org>',
      'RSET',
    ]);
    expect(codes(r)).toEqual([250, 250, 250, 250]);
    c.close();
  });

  it('refuses unknown users (550), relaying (554) and answers 451 while the directory is down', async () => {
    h = await startHarness();
    const c = await session(h.port);
    const r = await c.pipeline([
      'MAIL FROM:<x@example.net>',
      'RCPT TO:<nobody@example.org>',
      'RCPT TO:<victim@example.com>',
    ]);
    expect(r.map((x) => `${x?.code} ${x?.enhanced}`)).toEqual(['250 2.1.0', '550 5.1.1', '554 5.7.1']);
    h.directory.down = true;
    const down = await c.command('RCPT TO:<alice@example.org>');
    expect(`${down?.code} ${down?.enhanced}`).toBe('451 4.3.0');
    expect(codes(await c.pipeline(['DATA']))).toEqual([554]);
    expect(h.backends.every((b) => b.connections === 0 || b.messages.length === 0)).toBe(true);
    c.close();
  });

  it('places an unpinned mailbox on the next server when its server is down', async () => {
    h = await startHarness();
    await h.backends[0]!.stop();
    await h.backends[1]!.stop();
    await h.backends[1]!.start(h.backends[1]!.port);
    const c = await session(h.port);
    for (let i = 0; i < 3; i++) {
      const r = await c.pipeline(['MAIL FROM:<>', 'RCPT TO:<carol@example.org>', 'RSET']);
      expect(codes(r)).toEqual([250, 250, 250]);
    }
    expect(h.listener.stats.snapshot().backends['mail/mx1']?.failures).toBeGreaterThan(0);
    c.close();
  });

  it('treats a server that accepts but never greets as down (connectTimeout)', async () => {
    h = await startHarness({ backend: { connectTimeout: 150 } }, { greeting: '' });
    const healthy = await new FakeBackend({ name: 'mx3' }).start();
    h.pool.add({ name: 'mx3', address: healthy.address });
    const c = await session(h.port);
    for (let i = 0; i < 2; i++) {
      expect(codes(await c.pipeline(['MAIL FROM:<>', 'RCPT TO:<carol@example.org>', 'RSET']))).toEqual([
        250, 250, 250,
      ]);
    }
    // Both silent servers were tried once each; carol was then remembered on mx3.
    expect(h.listener.stats.snapshot().backends['mail/mx1']?.failures).toBe(1);
    expect(healthy.commands.filter((l) => l.startsWith('RCPT'))).toHaveLength(2);
    c.close();
    await healthy.stop();
  });

  it('answers 451 4.4.1 for a pinned mailbox whose server is down (never elsewhere)', async () => {
    h = await startHarness();
    await h.backends[0]!.stop();
    const c = await session(h.port);
    const r = await c.pipeline(['MAIL FROM:<>', 'RCPT TO:<alice@example.org>']);
    expect(`${r[1]?.code} ${r[1]?.enhanced}`).toBe('451 4.4.1');
    expect(h.backends[1]!.connections).toBeLessThanOrEqual(1); // the startup probe only
    expect(h.backends[1]!.messages).toHaveLength(0);
    c.close();
  });

  it('with a hashing scheduler, splits unpinned mailboxes the way the scheduler places them', async () => {
    h = await startHarness({}, {}, 'mh');
    const c = await session(h.port);
    const users = ['carol@example.org', ...Array.from({ length: 12 }, (_, i) => `u${i}@example.org`)];
    const { FakeDirectory } = await import('./helpers/fake-directory.js');
    const directory = new FakeDirectory(users.map((mail) => ({ mail })));
    h.listener.update({
      name: 'test',
      listen: '127.0.0.1:0',
      hostname: 'lvs7.test',
      directory,
      pool: h.pool,
      domains: ['example.org'],
    });
    c.close();
    const d = await session(h.port);
    const replies = await d.pipeline(['MAIL FROM:<>', ...users.map((u) => `RCPT TO:<${u}>`)]);
    const accepted = users.filter((_, i) => replies[i + 1]?.code === 250);
    const split = users.filter((_, i) => replies[i + 1]?.code === 452);
    expect(accepted.length + split.length).toBe(users.length);
    expect(split.length).toBeGreaterThan(0);
    const server = (u: string) => h!.pool.pick({ key: u })!.name;
    expect(new Set(accepted.map(server)).size).toBe(1);
    expect(split.every((u) => server(u) !== server(accepted[0]!))).toBe(true);
    d.close();
  });
});
