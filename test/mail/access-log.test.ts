import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { MemoryStateStore, Pool } from '@lvs7/core';
import { FileDirectory } from '@lvs7/directory';
import { MailListener } from '@lvs7/mail';
import {
  type DovecotInstance,
  demoUsersLdif,
  startDovecot,
  type TempDir,
  tempDir,
  waitFor,
} from '@lvs7/testkit';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './helpers/clients.js';

// The session id lvs7 logs is the one Dovecot logs: it comes over IMAP ID x-session-ext-id.
const PASSWORD = 'pw-Zq81-never-logged';

let dir: TempDir;
let dovecot: DovecotInstance;
let listener: MailListener;
let pool: Pool;
const text: string[] = [];

beforeAll(async () => {
  dir = await tempDir('lvs7-mail-accesslog-');
  dovecot = await startDovecot({
    name: 'mail1',
    mailRoot: dir.path,
    users: [{ user: 'alice', password: PASSWORD }],
    imap: true,
    trustedNetworks: ['127.0.0.0/8'],
    extraConfig: 'auth_failure_delay = 0\n',
  });
  const ldif = join(dir.path, 'users.ldif');
  writeFileSync(ldif, demoUsersLdif([{ uid: 'alice', mail: 'alice@example.org', mailHost: 'mail1' }]));
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        text.push(chunk.toString('utf8'));
        cb();
      },
    }),
  );
  pool = new Pool('imap', {
    scheduler: 'mh',
    servers: [{ name: 'mail1', address: `127.0.0.1:${dovecot.imapPort}` }],
  });
  listener = new MailListener({
    name: 'imap',
    protocol: 'imap',
    listen: '127.0.0.1:0',
    directory: new FileDirectory('people', { path: ldif }, logger),
    pool,
    state: new MemoryStateStore(),
    accessLog: 'full',
    logger,
  });
  await listener.listen();
}, 60_000);

afterAll(async () => {
  await listener?.close({ drainTimeoutMs: 0 });
  pool?.close();
  await dovecot?.stop();
  await dir?.remove();
});

const sessionLines = () =>
  text
    .join('')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === 'mail session');

describe('IMAP access log against Dovecot', () => {
  it('logs the session with the id Dovecot logs for the same login, and never the password', async () => {
    const port = (listener.address() as AddressInfo).port;
    const client = await RawClient.connect(port);
    await client.waitFor(/^\* OK/);
    client.send(`a LOGIN alice ${PASSWORD}\r\n`);
    await client.waitFor(/\r\na OK .*\r\n/);
    client.send('b SELECT INBOX\r\nc LOGOUT\r\n');
    await client.waitClosed(15_000);
    const line = await waitFor(() => sessionLines()[0], { timeoutMs: 15_000, message: 'mail session line' });
    expect(line).toMatchObject({ user: 'alice', server: 'mail1', result: 'proxied', client: '127.0.0.1' });
    expect(line.bytesOut as number).toBeGreaterThan(100);
    const id = String(line.session);
    const dovecotLog = await waitFor(
      async () => {
        const l = await dovecot.log();
        return l.includes(`session=<${id}>`) ? l : undefined;
      },
      { timeoutMs: 15_000, message: `Dovecot logging session=<${id}>` },
    );
    expect(dovecotLog).toMatch(new RegExp(`Login: user=<alice>.*session=<${id}>`));
    expect(text.join('')).not.toContain(PASSWORD);
  });
});
