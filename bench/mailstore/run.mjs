#!/usr/bin/env node
// Mail node benchmark, lvs7 vs Dovecot 2.3 in one run:
//   1. LMTP deliveries/s (N concurrent connections, one recipient per message),
//   2. IMAP FETCH throughput on mailboxes of --messages messages:
//      headers (a Thunderbird-style UID FETCH 1:* of flags, size and header fields)
//      and bodies (FETCH 1:* BODY.PEEK[]), 4 concurrent sessions.
// Both servers fsync (Dovecot mail_fsync=always) and run pinned to CPU 0, the
// load generator to CPU 1. Dovecot keeps its index files on disk, as in production.
//   node bench/mailstore/run.mjs [--duration 8] [--concurrency 8] [--size 4000] [--messages 400] [--no-build]
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapSession, LmtpSender } from './clients.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return Number(i >= 0 ? args[i + 1] : fallback);
};
const duration = opt('duration', 8) * 1000;
const concurrency = opt('concurrency', 8);
const size = opt('size', 4000);
const messages = opt('messages', 400);
const PASSWORD = 'benchpw';
const LMTP_USERS = 10;
const FETCH_USERS = 4;
const USERS = LMTP_USERS + FETCH_USERS;

if (!args.includes('--no-build')) {
  execFileSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-b', 'packages/mailstore', 'packages/testkit'],
    {
      cwd: repo,
      stdio: 'inherit',
    },
  );
}
const { startDovecot } = await import('../../packages/testkit/dist/index.js');

const pin = (pid, cpu) => {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' });
  } catch {
    // no taskset or one CPU: run unpinned
  }
};
pin(process.pid, '1');

const dir = mkdtempSync(join(tmpdir(), 'lvs7-mailstore-bench-'));
chmodSync(dir, 0o755);
const lvs7Root = join(dir, 'lvs7');
const dovecotRoot = join(dir, 'dovecot');
mkdirSync(lvs7Root);

const user = (i) => `bench${i}@bench.test`;
const message = (i) => {
  const head = `From: load@load.test\r\nTo: ${user(0)}\r\nSubject: bench message ${i}\r\nDate: ${new Date().toUTCString()}\r\nMessage-ID: <${i}.${Date.now()}@load.test>\r\n\r\n`;
  const line = 'The quick brown fox jumps over the lazy dog. 0123456789\r\n';
  const body = line.repeat(Math.max(1, Math.ceil((size - head.length) / line.length)));
  return `${head}${body}.\r\n`.replace(/\r\n\.(?=.)/g, '\r\n..');
};

async function startLvs7() {
  const child = spawn(
    process.execPath,
    [join(repo, 'bench/mailstore/lvs7-node.mjs'), lvs7Root, String(USERS), PASSWORD],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  pin(child.pid, '0');
  const ports = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(JSON.parse(String(d))));
    child.once('exit', (code) => reject(new Error(`lvs7 node exited ${code}`)));
  });
  return { name: 'lvs7', lmtp: ports.lmtp, imap: ports.imap, stop: async () => child.kill('SIGTERM') };
}

async function startDovecotServer() {
  const users = Array.from({ length: USERS }, (_, i) => ({ user: user(i), password: PASSWORD }));
  const dovecot = await startDovecot({
    name: 'dovecot-bench',
    mailRoot: dovecotRoot,
    users,
    lmtp: true,
    imap: true,
    indexes: 'disk',
  });
  pin(dovecot.pid, '0');
  for (const child of execFileSync('sh', ['-c', `pgrep -P ${dovecot.pid} || true`])
    .toString()
    .split('\n')
    .filter(Boolean)) {
    pin(child, '0');
  }
  return { name: 'dovecot', lmtp: dovecot.lmtpPort, imap: dovecot.imapPort, stop: () => dovecot.stop() };
}

/** Runs `worker(i)` on `n` workers until the deadline; resolves with the summed counts. */
async function timed(n, ms, open, step) {
  const deadline = Date.now() + ms;
  const started = Date.now();
  const counts = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const conn = await open(i);
      let count = 0;
      let bytes = 0;
      while (Date.now() < deadline) {
        const r = await step(conn, i, count);
        count += r.count;
        bytes += r.bytes;
      }
      conn.close();
      return { count, bytes };
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const count = counts.reduce((s, c) => s + c.count, 0);
  const bytes = counts.reduce((s, c) => s + c.bytes, 0);
  return { perSecond: count / seconds, mbPerSecond: bytes / seconds / 1e6 };
}

async function measure(server) {
  const result = {};
  result.lmtp = await timed(
    concurrency,
    duration,
    () => LmtpSender.open(server.lmtp),
    async (s, i, n) => {
      await s.send(user((i + n) % LMTP_USERS), message(n));
      return { count: 1, bytes: size };
    },
  );
  // FETCH mailboxes: exactly `messages` messages each (untimed).
  await Promise.all(
    Array.from({ length: FETCH_USERS }, async (_, f) => {
      const s = await LmtpSender.open(server.lmtp);
      for (let n = 0; n < messages; n++) await s.send(user(LMTP_USERS + f), message(n));
      s.close();
    }),
  );
  const openFetch = async (i) => {
    const s = await ImapSession.open(server.imap, user(LMTP_USERS + i), PASSWORD);
    await s.run('SELECT INBOX');
    return s;
  };
  result.headers = await timed(FETCH_USERS, duration / 2, openFetch, async (s) => {
    const r = await s.run(
      'UID FETCH 1:* (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)])',
    );
    return { count: r.fetches, bytes: r.bytes };
  });
  result.bodies = await timed(FETCH_USERS, duration / 2, openFetch, async (s) => {
    const r = await s.run('FETCH 1:* (BODY.PEEK[])');
    return { count: r.fetches, bytes: r.bytes };
  });
  return result;
}

const results = {};
try {
  for (const start of [startLvs7, startDovecotServer]) {
    const server = await start();
    try {
      process.stdout.write(`${server.name}: measuring...\n`);
      results[server.name] = await measure(server);
    } finally {
      await server.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const rows = [
  ['LMTP deliveries/s', 'lmtp', 'perSecond'],
  ['IMAP header FETCH msgs/s', 'headers', 'perSecond'],
  ['IMAP body FETCH msgs/s', 'bodies', 'perSecond'],
  ['IMAP body FETCH MB/s', 'bodies', 'mbPerSecond'],
];
console.log(
  `\n${concurrency} LMTP connections, ${size}-byte messages, ${FETCH_USERS} IMAP sessions on ${messages}-message mailboxes`,
);
console.log(`${'metric'.padEnd(28)}${'lvs7'.padStart(12)}${'dovecot'.padStart(12)}${'ratio'.padStart(10)}`);
for (const [label, phase, key] of rows) {
  const a = results.lvs7[phase][key];
  const b = results.dovecot[phase][key];
  console.log(
    `${label.padEnd(28)}${a.toFixed(1).padStart(12)}${b.toFixed(1).padStart(12)}${(a / b).toFixed(2).padStart(10)}`,
  );
}
mkdirSync(join(repo, 'bench/results'), { recursive: true });
const file = join(repo, 'bench/results', `mailstore-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ duration, concurrency, size, messages, results }, null, 2)}\n`);
console.log(`\nresults: ${file}`);
