import { Pool } from '@lvs7/core';
import { afterEach, describe, expect, it } from 'vitest';
import { MailAdmin, mailAdminRoutes } from '../src/admin.js';
import { type Harness, startHarness } from './helpers/harness.js';
import { LineClient } from './helpers/line-client.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('MailAdmin', () => {
  it('explains placements, counts sessions and moves users', async () => {
    h = await startHarness('imap');
    const admin = new MailAdmin([h.listener]);
    const [get, move] = mailAdminRoutes(admin);
    const before = await get!.handler({ user: 'alice' }, undefined);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      mailbox: 'alice@example.org',
      directoryHost: 'mail1.example.org',
      remembered: null,
      sessions: 0,
      listeners: [
        {
          listener: 'imap',
          pool: 'mail-imap',
          placement: { server: 'mail1.example.org', reason: 'directory' },
        },
      ],
    });

    const c = await LineClient.connect(h.port);
    await c.line();
    c.send('a LOGIN alice alice-pw');
    await c.line();
    const during = await admin.user('alice');
    expect(during).toMatchObject({ sessions: 1, remembered: 'mail1.example.org' });
    expect(during.listeners[0]!.sessionServers).toEqual(['mail1.example.org']);

    const moved = await move!.handler({ user: 'alice' }, { server: 'mail2.example.org' });
    expect(moved).toEqual({
      status: 200,
      body: { user: 'alice', mailbox: 'alice@example.org', server: 'mail2.example.org', kicked: 1 },
    });
    await c.closedByServer();
    await expect.poll(() => h!.pool.mustGet('mail1.example.org').active).toBe(0);

    const d = await LineClient.connect(h.port);
    await d.line();
    d.send('a LOGIN alice alice-pw');
    expect(await d.line()).toContain('mail2.example.org');
    expect((await admin.user('alice')).listeners[0]!.placement).toMatchObject({
      reason: 'remembered',
      server: 'mail2.example.org',
    });
    d.close();
  });

  it('maps unknown users and servers to 404, bad bodies to 400, directory outages to 503', async () => {
    h = await startHarness('imap');
    const [get, move] = mailAdminRoutes(new MailAdmin([h.listener]));
    expect((await get!.handler({ user: 'nobody' }, undefined)).status).toBe(404);
    expect((await move!.handler({ user: 'alice' }, { server: 'nope' })).status).toBe(404);
    expect((await move!.handler({ user: 'alice' }, {})).status).toBe(400);
    h.directory.available = false;
    expect((await get!.handler({ user: 'alice' }, undefined)).status).toBe(503);
  });

  it('shows a user no server can take with a null placement', async () => {
    h = await startHarness('imap');
    h.pool.setState('mail1.example.org', 'maint');
    h.pool.setState('mail2.example.org', 'maint');
    const view = await new MailAdmin([h.listener]).user('carol');
    expect(view.listeners[0]!.placement).toBeNull();
    expect(h.pool).toBeInstanceOf(Pool);
  });
});

describe('GET /api/mail/placements', () => {
  it('lists remembered placements, most recently used first, with sessions and the servers', async () => {
    h = await startHarness('imap');
    const admin = new MailAdmin([h.listener]);
    const route = mailAdminRoutes(admin).find((r) => r.path === '/api/mail/placements')!;
    expect((await route.handler({}, undefined)).body).toMatchObject({
      listeners: 1,
      total: 0,
      placements: [],
    });
    const c = await LineClient.connect(h.port);
    await c.line();
    c.send('a LOGIN alice alice-pw');
    await c.line();
    await admin.move('bob', 'mail1.example.org');
    const out = await route.handler({}, undefined);
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({
      listeners: 1,
      total: 2,
      limit: 100,
      servers: ['mail1.example.org', 'mail2.example.org'],
      placements: [
        { mailbox: 'bob@example.org', server: 'mail1.example.org', sessions: 0 },
        { mailbox: 'alice@example.org', server: 'mail1.example.org', sessions: 1 },
      ],
    });
    const first = (out.body as { placements: { expiresInMs: number }[] }).placements[0]!;
    expect(first.expiresInMs).toBeGreaterThan(0);
    expect(admin.placements(1).placements).toHaveLength(1);
    c.close();
  });

  it('is empty (not an error) without mail listeners', () => {
    expect(new MailAdmin().placements()).toEqual({
      listeners: 0,
      total: 0,
      limit: 100,
      placements: [],
      servers: [],
    });
  });
});
