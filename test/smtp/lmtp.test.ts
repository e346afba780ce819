import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Pool } from '@lvs7/core';
import { FileDirectory } from '@lvs7/directory';
import { SmtpListener } from '@lvs7/smtp';
import { type DovecotInstance, demoUsersLdif, startDovecot, type TempDir, tempDir } from '@lvs7/testkit';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAILBOXES, SMTP_USERS, sendWithPython } from './helpers.js';

let dir: TempDir;
let dovecots: DovecotInstance[] = [];
let pool: Pool;
let listener: SmtpListener;

beforeAll(async () => {
  dir = await tempDir('lvs7-smtp-lmtp-');
  // Dovecot writes mail as the `mail` user, which must reach the mail roots inside.
  await chmod(dir.path, 0o755);
  await writeFile(join(dir.path, 'users.ldif'), demoUsersLdif(SMTP_USERS));
  // erin is in the directory but has no mailbox on either Dovecot: the backend refuses her at RCPT.
  const users = MAILBOXES.filter((m) => !m.startsWith('erin')).map((user) => ({ user, password: 'x' }));
  dovecots = await Promise.all(
    ['mx1', 'mx2'].map((name) =>
      startDovecot({
        name,
        mailRoot: join(dir.path, name),
        mailTemplate: '%d/%n',
        users,
        imap: false,
        lmtp: true,
        trustedNetworks: ['127.0.0.0/8'],
      }),
    ),
  );
  pool = new Pool('lmtp', {
    scheduler: 'rr',
    servers: dovecots.map((d) => ({ name: `${d.name}.example.org`, address: `127.0.0.1:${d.lmtpPort}` })),
  });
  const logger = pino({ level: 'silent' });
  listener = new SmtpListener({
    name: 'smtp-lmtp',
    listen: '127.0.0.1:0',
    hostname: 'lvs7.test',
    directory: new FileDirectory('ldif', { path: join(dir.path, 'users.ldif') }, logger),
    pool,
    backend: { protocol: 'lmtp' },
    domains: ['example.org'],
    logger,
  });
  await listener.listen();
});

afterAll(async () => {
  await listener?.close({ drainTimeoutMs: 500 });
  pool?.close();
  await Promise.all(dovecots.map((d) => d.stop()));
  await dir?.remove();
});

/** Messages with this subject in one Dovecot's Maildirs, by mailbox. */
async function mailboxes(server: string, subject: string): Promise<string[]> {
  const root = join(dir.path, server, 'example.org');
  const found: string[] = [];
  for (const user of await readdir(root).catch(() => [] as string[])) {
    for (const sub of ['new', 'cur']) {
      const folder = join(root, user, sub);
      for (const file of await readdir(folder).catch(() => [] as string[])) {
        if ((await readFile(join(folder, file), 'utf8')).includes(`Subject: ${subject}`))
          found.push(`${user}@example.org`);
      }
    }
  }
  return found.sort();
}

async function messageText(server: string, user: string, subject: string): Promise<string> {
  const folder = join(dir.path, server, 'example.org', user, 'new');
  for (const file of await readdir(folder)) {
    const text = await readFile(join(folder, file), 'utf8');
    if (text.includes(`Subject: ${subject}`)) return text;
  }
  throw new Error(`no ${subject} for ${user} on ${server}`);
}

describe('SMTP distributor in front of two Dovecot LMTP servers', () => {
  it('delivers to each mailbox once, on its own server, reading LMTP’s per-recipient replies', async () => {
    const result = await sendWithPython(
      listener.address()!.port,
      ['alice@example.org', 'bob@example.org', 'carol@example.org', 'a.smith@example.org'],
      'lmtp-1',
    );
    expect(result.transactions).toEqual([
      {
        accepted: ['alice@example.org', 'carol@example.org', 'a.smith@example.org'],
        refused: { 'bob@example.org': 452 },
      },
      { accepted: ['bob@example.org'], refused: {} },
    ]);
    // Dovecot LMTP delivers before it answers the final dot: the files are there already.
    expect(await mailboxes('mx1', 'lmtp-1')).toEqual(['alice@example.org', 'carol@example.org']);
    expect(await mailboxes('mx2', 'lmtp-1')).toEqual(['bob@example.org']);
    const stats = listener.stats.snapshot();
    expect(stats.backends['lmtp/mx1.example.org']).toMatchObject({ delivered: 1, recipients: 2 });
    expect(stats.backends['lmtp/mx2.example.org']).toMatchObject({ delivered: 1, recipients: 1 });
    expect(stats.verdictLatency.count).toBe(2);
  });

  it('relays the backend’s RCPT refusal (no mailbox there) to the client', async () => {
    const result = await sendWithPython(listener.address()!.port, ['erin@example.org'], 'lmtp-2');
    expect(result.transactions[0]?.refused['erin@example.org']).toBe(550);
    expect(await mailboxes('mx2', 'lmtp-2')).toEqual([]);
  });

  it('passes the client on with XCLIENT to Dovecot', async () => {
    await sendWithPython(listener.address()!.port, ['alice@example.org'], 'lmtp-3');
    const [file] = await mailboxes('mx1', 'lmtp-3');
    expect(file).toBe('alice@example.org');
    // Without XCLIENT, Dovecot would name lvs7 (LHLO lvs7.test) as the client.
    expect(await messageText('mx1', 'alice', 'lmtp-3')).toMatch(
      /Received: from pyclient\.test \(\[127\.0\.0\.1\]\)\s+by \S+ with LMTP/,
    );
  });
});
