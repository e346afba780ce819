// lvs7's SMTP listener for the benchmark, built from dist/: one pool of the
// given backends, an in-memory directory that knows u0…u999@example.org.
// Reports its CPU time and message count over IPC ({ type: 'stats' }).
//   node bench/smtp/proxy.mjs <backend host:port>[,…] [smtp|lmtp]
import { Pool } from '../../packages/core/dist/index.js';
import { SmtpListener } from '../../packages/smtp/dist/index.js';

const [servers = '127.0.0.1:2525', protocol = 'smtp'] = process.argv.slice(2);

/** Answers like a warm LDAP cache would: from memory, at once. */
const directory = {
  name: 'bench',
  async lookup(user) {
    const m = /^u(\d{1,3})@example\.org$/i.exec(user);
    if (m === null) return undefined;
    return { mailbox: `u${m[1]}@example.org`, aliases: [], dn: `uid=u${m[1]}`, attributes: {} };
  },
  async verifyPassword() {
    return false;
  },
  async close() {},
};

const pool = new Pool('mail', {
  scheduler: 'rr',
  servers: servers.split(',').map((address, i) => ({ name: `s${i}`, address })),
});
const listener = new SmtpListener({
  name: 'bench',
  listen: '127.0.0.1:0',
  hostname: 'lvs7.bench',
  directory,
  pool,
  domains: ['example.org'],
  backend: { protocol },
  maxMessageSize: 64 * 1024 * 1024,
  limits: { maxConnectionsPerIp: 0, maxCommandsBeforeMail: 0 },
});
await listener.listen();
process.send?.({ type: 'listening', port: listener.address().port });
process.on('message', (message) => {
  if (message?.type === 'stats') {
    process.send?.({ type: 'stats', cpu: process.cpuUsage(), stats: listener.stats.snapshot() });
  } else if (message?.type === 'stop') {
    listener.close({ drainTimeoutMs: 100 }).then(() => process.exit(0));
  }
});
