// A mail node on 127.0.0.1 with users from an LDIF file: LMTP on 2401, IMAP on 1431, POP3 on 1101.
//   npx tsc -b packages/mailstore && node packages/mailstore/examples/mail-node.mjs [/tmp/lvs7-mail]
// then: swaks --server 127.0.0.1:2401 --protocol LMTP --to alice@example.org
//       curl -s --url imap://127.0.0.1:1431/INBOX -u alice:secret -X 'FETCH 1:* (FLAGS ENVELOPE)'
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { FileDirectory } from '../../directory/dist/index.js';
import { MailNode } from '../dist/index.js';

const require = createRequire(import.meta.url);
const pino = require('pino');
const root = process.argv[2] ?? '/tmp/lvs7-mail';
mkdirSync(root, { recursive: true });

const ldif = join(root, 'people.ldif');
writeFileSync(
  ldif,
  `dn: uid=alice,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: alice
cn: Alice
sn: Liddell
mail: alice@example.org
mailQuotaSize: 10000000
userPassword: secret
`,
);

const logger = pino({ level: 'info' });
const node = new MailNode({
  name: 'mail1.example.org',
  root,
  directory: new FileDirectory('people', ldif, logger),
  lmtp: '127.0.0.1:2401',
  imap: '127.0.0.1:1431',
  pop3: '127.0.0.1:1101',
  logger,
});
await node.start();
await node.deliver(
  'alice@example.org',
  'From: postmaster@example.org\r\nSubject: Welcome\r\n\r\nHello Alice.\r\n',
);
logger.info(node.addresses, 'ready; Ctrl-C stops');
process.once('SIGINT', () => node.stop().then(() => process.exit(0)));
