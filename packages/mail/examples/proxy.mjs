// lvs7 as an IMAP and POP3 director in front of two Dovecot hosts.
//   npx tsc -b packages/mail && node packages/mail/examples/proxy.mjs
// Backends: IMAP on 127.0.0.1:1431 / :2431, POP3 on :1101 / :2101 (override with
// MAIL1=host and MAIL2=host). Then: `telnet 127.0.0.1 1143`, `a LOGIN alice secret`.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthMonitor, MemoryStateStore, Pool } from '@lvs7/core';
import { FileDirectory } from '@lvs7/directory';
import pino from 'pino';
import { MailAdmin, MailListener } from '../dist/index.js';

const logger = pino({ level: 'info' });
const ldif = join(tmpdir(), 'lvs7-mail-example.ldif');
writeFileSync(
  ldif,
  `dn: uid=alice,ou=people,dc=example,dc=org
uid: alice
mail: alice@example.org
mailHost: mail1.example.org

dn: uid=carol,ou=people,dc=example,dc=org
uid: carol
mail: carol@example.org
`,
);
const directory = new FileDirectory('people', ldif, logger);
const [h1, h2] = [process.env.MAIL1 ?? '127.0.0.1', process.env.MAIL2 ?? '127.0.0.1'];
const pool = (name, port1, port2, check) => {
  const p = new Pool(name, {
    scheduler: 'mh',
    servers: [
      { name: 'mail1.example.org', address: `${h1}:${port1}` },
      { name: 'mail2.example.org', address: `${h2}:${port2}` },
    ],
  });
  new HealthMonitor(p, { type: check, interval: 2000 }).start();
  return p;
};
const state = new MemoryStateStore(); // one placement table for both protocols
const common = { directory, state, logger, limits: { authFailureDelay: 2000, maxConnectionsPerIp: 50 } };
const imap = new MailListener({
  name: 'imap',
  protocol: 'imap',
  listen: '127.0.0.1:1143',
  pool: pool('mail-imap', 1431, 2431, 'imap'),
  ...common,
});
const pop3 = new MailListener({
  name: 'pop3',
  protocol: 'pop3',
  listen: '127.0.0.1:1110',
  pool: pool('mail-pop3', 1101, 2101, 'pop3'),
  ...common,
});
await imap.listen();
await pop3.listen();

// What GET /api/mail/users/alice would answer.
const admin = new MailAdmin([imap, pop3]);
console.log(JSON.stringify(await admin.user('alice'), null, 2));
process.on('SIGINT', async () => {
  await Promise.all([imap.close({ drainTimeoutMs: 5000 }), pop3.close({ drainTimeoutMs: 5000 })]);
  process.exit(0);
});
