#!/usr/bin/env node
// lvs7's IMAP and POP3 listeners for the mail benchmark (run pinned by run.mjs):
//   node bench/mail/lvs7-mail.mjs IMAP_PORT POP3_PORT BACKEND_IMAP BACKEND_POP3
// Users are placed by hash over one server (an in-memory directory: the
// benchmark measures the proxy, not LDAP; a real directory answers from its cache).
import { Pool } from '../../packages/core/dist/index.js';
import { MailListener } from '../../packages/mail/dist/index.js';

const [imapPort, pop3Port, backendImap, backendPop3] = process.argv.slice(2);
const directory = {
  name: 'bench',
  async lookup(user) {
    return { mailbox: `${user}@bench`, uid: user, aliases: [], dn: `uid=${user}`, attributes: {} };
  },
  async verifyPassword() {
    return false;
  },
  async close() {},
};
const limits = { authFailureDelay: 0, maxConnectionsPerIp: 0, maxConnections: 0 };
const listeners = [
  ['imap', imapPort, backendImap],
  ['pop3', pop3Port, backendPop3],
].map(
  ([protocol, port, backend]) =>
    new MailListener({
      name: protocol,
      protocol,
      listen: `127.0.0.1:${port}`,
      directory,
      pool: new Pool(`mail-${protocol}`, { scheduler: 'mh', servers: [{ name: 'mail1', address: backend }] }),
      limits,
    }),
);
await Promise.all(listeners.map((l) => l.listen()));
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await Promise.all(listeners.map((l) => l.close({ drainTimeoutMs: 0 })));
  process.exit(0);
});
