import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Instance } from '@lvs7/cli';
import { freePort, type TempDir, tempDir } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, api, startInstance } from './helpers.js';

const run = promisify(execFile);

const LDIF = ['alice:mail1.example.org', 'bob:mail2.example.org', 'carol:']
  .map((spec) => {
    const [uid, host] = spec.split(':') as [string, string];
    return [
      `dn: uid=${uid},ou=people,dc=example,dc=org`,
      'objectClass: inetOrgPerson',
      'objectClass: inetLocalMailRecipient',
      `uid: ${uid}`,
      `cn: ${uid}`,
      `sn: ${uid}`,
      `mail: ${uid}@example.org`,
      ...(host ? [`mailHost: ${host}`] : []),
      `userPassword: ${uid}-secret`,
      '',
    ].join('\n');
  })
  .join('\n');

/** One LMTP transaction (mail nodes accept LMTP); resolves with the final reply. */
function lmtpDeliver(port: number, to: string, subject: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const script = [
      'LHLO test',
      'MAIL FROM:<test@example.net>',
      `RCPT TO:<${to}>`,
      'DATA',
      `Subject: ${subject}\r\n\r\nhello\r\n.`,
      'QUIT',
    ];
    let buffer = '';
    let step = 0;
    const replies: string[] = [];
    socket.on('data', (chunk) => {
      buffer += chunk;
      for (;;) {
        const end = buffer.indexOf('\r\n');
        if (end < 0) break;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (line[3] === '-') continue;
        replies.push(line);
        if (step < script.length) socket.write(`${script[step++]}\r\n`);
        else socket.end();
      }
    });
    socket.on('close', () => resolve(replies[replies.length - 2] ?? ''));
    socket.on('error', reject);
  });
}

describe('a mail cluster: two mail nodes over shared Maildir behind the IMAP and POP3 distributors', () => {
  let dir: TempDir;
  const instances: Instance[] = [];
  let lmtp1 = 0;
  let imap = 0;
  let pop3 = 0;
  let smtp = 0;
  let admin = '';

  beforeAll(async () => {
    dir = await tempDir();
    await writeFile(join(dir.path, 'users.ldif'), LDIF);
    await mkdir(join(dir.path, 'mail'));
    const nodes: { lmtp: number; imap: number; pop3: number }[] = [];
    for (const i of [1, 2]) {
      const ports = { lmtp: await freePort(), imap: await freePort(), pop3: await freePort() };
      nodes.push(ports);
      instances.push(
        await startInstance(`
directories: { people: { file: ${dir.path}/users.ldif } }
mailstore:
  name: mail${i}.example.org
  root: ${dir.path}/mail
  directory: people
  lmtp: 127.0.0.1:${ports.lmtp}
  imap: 127.0.0.1:${ports.imap}
  pop3: 127.0.0.1:${ports.pop3}
`),
      );
    }
    lmtp1 = nodes[0]!.lmtp;
    imap = await freePort();
    pop3 = await freePort();
    smtp = await freePort();
    const pool = (proto: 'imap' | 'pop3' | 'lmtp') =>
      `  mail-${proto}:\n    scheduler: mh\n    protocol: ${proto}\n    servers:\n${nodes.map((n, i) => `      - { name: mail${i + 1}.example.org, address: 127.0.0.1:${n[proto]} }`).join('\n')}\n    health: { check: ${proto}, interval: 1s, timeout: 500ms }\n`;
    const distributor = await startInstance(`
admin: { listen: 127.0.0.1:0 }
directories: { people: { file: ${dir.path}/users.ldif } }
pools:
${pool('imap')}${pool('pop3')}${pool('lmtp')}listeners:
  - { name: smtp, protocol: smtp, listen: 127.0.0.1:${smtp}, directory: people, pool: mail-lmtp, domains: [example.org] }
  - { name: imap, protocol: imap, listen: 127.0.0.1:${imap}, directory: people, pool: mail-imap, limits: { authFailureDelay: 10ms } }
  - { name: pop3, protocol: pop3, listen: 127.0.0.1:${pop3}, directory: people, pool: mail-pop3, limits: { authFailureDelay: 10ms } }
`);
    instances.push(distributor);
    admin = adminUrl(distributor);
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await dir.remove();
  });

  it('delivers on one node and reads back through the distributors with Python clients', async () => {
    expect(await lmtpDeliver(lmtp1, 'alice@example.org', 'first')).toMatch(/^250/);
    const { stdout } = await run('python3', [
      '-c',
      `import imaplib; m = imaplib.IMAP4('127.0.0.1', ${imap}); m.login('alice@example.org', 'alice-secret'); print(m.select('INBOX')[1][0].decode()); print(m.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')[1][0][1].decode().strip()); m.logout()`,
    ]);
    expect(stdout).toContain('1\n');
    expect(stdout).toContain('Subject: first');
    const placed = await api<{ listeners: { placement: { server: string; reason: string } }[] }>(
      admin,
      'GET',
      '/api/mail/users/alice@example.org',
    );
    expect(placed.status).toBe(200);
    expect(JSON.stringify(placed.body)).toContain('mail1.example.org');

    const pop = await run('python3', [
      '-c',
      `import poplib; p = poplib.POP3('127.0.0.1', ${pop3}); p.user('alice@example.org'); p.pass_('alice-secret'); print(p.stat()[0]); p.quit()`,
    ]);
    expect(pop.stdout.trim()).toBe('1');
  });

  it('SMTP in → each recipient on its own node → read back through the IMAP distributor', async () => {
    const send = await run('python3', [
      '-c',
      `import smtplib; s = smtplib.SMTP('127.0.0.1', ${smtp}); print(s.sendmail('x@example.net', ['bob@example.org', 'carol@example.org'], 'Subject: via smtp\\n\\nhello\\n')); s.quit()`,
    ]);
    // bob (mail2) and carol (placed by hash) may live on different nodes: smtplib
    // reports any recipient deferred with 452 and the test sends it again.
    const refused = send.stdout.trim();
    if (refused !== '{}') {
      expect(refused).toMatch(/452/);
      const again = refused.includes('bob') ? 'bob@example.org' : 'carol@example.org';
      await run('python3', [
        '-c',
        `import smtplib; s = smtplib.SMTP('127.0.0.1', ${smtp}); print(s.sendmail('x@example.net', ['${again}'], 'Subject: via smtp\\n\\nhello\\n')); s.quit()`,
      ]);
    }
    for (const user of ['bob', 'carol']) {
      const { stdout } = await run('python3', [
        '-c',
        `import imaplib; m = imaplib.IMAP4('127.0.0.1', ${imap}); m.login('${user}@example.org', '${user}-secret'); m.select('INBOX'); print(m.fetch('1:*', '(BODY.PEEK[HEADER])')[1][0][1].decode()); m.logout()`,
      ]);
      expect(stdout).toContain('Subject: via smtp');
      if (user === 'bob') expect(stdout).toContain('mail2.example.org');
    }
  });

  it('refuses a wrong password and an unknown user without revealing which', async () => {
    const attempt = (user: string) =>
      run('python3', [
        '-c',
        `import imaplib\nm = imaplib.IMAP4('127.0.0.1', ${imap})\ntry:\n  m.login('${user}', 'wrong')\nexcept imaplib.IMAP4.error as e:\n  print('refused', e)`,
      ]);
    expect((await attempt('alice@example.org')).stdout).toMatch(/^refused/);
    expect((await attempt('nobody@example.org')).stdout).toMatch(/^refused/);
  });
});
