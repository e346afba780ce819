import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Instance } from '@lvs7/cli';
import {
  type DovecotInstance,
  freePort,
  type HttpOrigin,
  startDovecot,
  startHttpOrigin,
  type TempDir,
  tempDir,
} from '@lvs7/testkit';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, api, startInstance } from './helpers.js';

const ARTIFACTS = fileURLToPath(new URL('../../.artifacts/', import.meta.url));

/** Logs in through the IMAP listener and out again: the user is then placed. */
async function imapLogin(port: number, user: string, password: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1');
    if (text.startsWith('* OK') && !text.includes('a LOGIN sent')) {
      text += '\na LOGIN sent\n';
      socket.write(`a LOGIN ${user} ${password}\r\nb LOGOUT\r\n`);
    }
  });
  await once(socket, 'close');
  return text;
}

describe('the status page in a real browser (Debian chromium + playwright-core)', () => {
  let browser: Browser;
  let instance: Instance;
  const origins: HttpOrigin[] = [];
  let dir: TempDir;
  let dovecot: DovecotInstance;
  let imapPort = 0;

  beforeAll(async () => {
    for (const name of ['web1', 'web2']) origins.push(await startHttpOrigin({ name }));
    // Mail: one real Dovecot behind two server names, so a user can be moved between them.
    dir = await tempDir('lvs7-status-mail-');
    await mkdir(join(dir.path, 'mail'));
    dovecot = await startDovecot({
      name: 'mail',
      mailRoot: join(dir.path, 'mail'),
      users: [{ user: 'alice', password: 'alice-secret' }],
    });
    await writeFile(
      join(dir.path, 'users.ldif'),
      'dn: uid=alice,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nobjectClass: inetLocalMailRecipient\nuid: alice\ncn: alice\nsn: alice\nmail: alice@example.org\n',
    );
    imapPort = await freePort();
    instance = await startInstance(`
admin: { listen: 127.0.0.1:0 }
directories: { people: { file: ${dir.path}/users.ldif } }
listeners:
  - { name: imap, protocol: imap, listen: 127.0.0.1:${imapPort}, directory: people, pool: mail-imap, limits: { authFailureDelay: 10ms } }
pools:
  mail-imap:
    scheduler: mh
    protocol: imap
    servers:
      - { name: mail1, address: 127.0.0.1:${dovecot.imapPort} }
      - { name: mail2, address: 127.0.0.1:${dovecot.imapPort} }
  web:
    scheduler: wlc
    servers:
      - { name: web1, address: ${origins[0]!.address} }
      - { name: web2, address: ${origins[1]!.address} }
    health: { check: http, path: /health, interval: 100ms, timeout: 80ms, rise: 1, fall: 1, jitter: 0% }
`);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await instance?.stop();
    await Promise.all(origins.map((o) => o.stop()));
    await dovecot?.stop();
    await dir?.remove();
  });

  it('shows a server going down, and a drain click takes effect', async () => {
    const page = await browser.newPage();
    await page.goto(`${adminUrl(instance)}/`);
    await page.locator('#conn', { hasText: 'live' }).waitFor();
    const row = (name: string) => page.locator(`section.pool[data-pool="web"] tr[data-server="${name}"]`);
    await row('web1').locator('.health', { hasText: 'up' }).waitFor();

    await origins[0]!.stop();
    await row('web1').locator('.health', { hasText: 'down' }).waitFor({ timeout: 5_000 });
    expect(await row('web2').locator('.health').textContent()).toBe('up');

    await row('web2').locator('button[data-act="drain"]').click();
    await row('web2').locator('.state', { hasText: 'drain' }).waitFor({ timeout: 5_000 });
    expect(instance.pools().get('web')!.get('web2')!.state).toBe('drain');

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}status-page.png`, fullPage: true });
  });

  it('lists placed mail users, finds one, and a move click takes effect', async () => {
    expect(await imapLogin(imapPort, 'alice', 'alice-secret')).toMatch(/^a OK .*Logged in/m);
    const page = await browser.newPage();
    await page.goto(`${adminUrl(instance)}/`);
    const row = page.locator('#mail tr[data-mailbox="alice@example.org"]');
    await row.waitFor({ timeout: 20_000 });
    const from = (await row.locator('.server').textContent())!;
    expect(['mail1', 'mail2']).toContain(from);
    const to = from === 'mail1' ? 'mail2' : 'mail1';
    expect(await row.locator('td').nth(2).textContent()).toBe('0'); // logged out: no session

    // The search box shows one user (by login name), with the same placement.
    await page.locator('#mail-user').fill('alice');
    await page.locator('#mail-search button[type="submit"]').click();
    await page.locator('#mail-meta', { hasText: 'alice: placed' }).waitFor({ timeout: 20_000 });
    expect(await row.locator('.server').textContent()).toBe(from);

    await row.locator('select').selectOption(to);
    await row.locator('button[data-move]').click();
    await row.locator('.server', { hasText: to }).waitFor({ timeout: 20_000 });
    const user = await api<{ remembered: string }>(adminUrl(instance), 'GET', '/api/mail/users/alice');
    expect(user.body.remembered).toBe(to);
    expect(await page.locator('#error').textContent()).toBe('');

    // Back to the most recent placements: the list shows the move as well.
    await page.locator('#mail-all').click();
    await page.locator('#mail-meta', { hasText: 'most recent' }).waitFor({ timeout: 20_000 });
    await row.locator('.server', { hasText: to }).waitFor({ timeout: 20_000 });
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}status-page-mail.png`, fullPage: true });
  }, 60_000);
});
