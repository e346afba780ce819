// The lvs7 mail node under benchmark, in its own process (pinned by run.mjs).
// Usage: node bench/mailstore/lvs7-node.mjs <root> <users> <password>
// Prints {"lmtp":port,"imap":port} once listening; stops on SIGTERM.
import { createRequire } from 'node:module';
import { MailNode } from '../../packages/mailstore/dist/index.js';

const require = createRequire(new URL('../../packages/mailstore/package.json', import.meta.url));
const pino = require('pino');
const [root, users = '10', password = 'benchpw'] = process.argv.slice(2);

const directory = {
  name: 'bench',
  async lookup(user) {
    const m = /^(bench\d+)(@bench\.test)?$/.exec(user.toLowerCase());
    if (!m || Number(m[1].slice(5)) >= Number(users)) return undefined;
    return { mailbox: `${m[1]}@bench.test`, uid: m[1], aliases: [], dn: `uid=${m[1]}`, attributes: {} };
  },
  async verifyPassword(user, pw) {
    return pw === password && (await this.lookup(user)) !== undefined;
  },
  async close() {},
};

const node = new MailNode({
  name: 'lvs7-bench',
  root,
  directory,
  lmtp: '127.0.0.1:0',
  imap: '127.0.0.1:0',
  logger: pino({ level: 'warn' }),
  mailboxTemplate: '{root}/{mailbox}',
});
await node.start();
process.stdout.write(
  `${JSON.stringify({ lmtp: node.addresses.lmtp.port, imap: node.addresses.imap.port })}\n`,
);
process.on('SIGTERM', async () => {
  await node.stop();
  process.exit(0);
});
