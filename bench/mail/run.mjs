#!/usr/bin/env node
// Mail benchmark: IMAP logins/s (LOGIN + SELECT + LOGOUT, 20 concurrent),
// bulk `FETCH 1:* BODY.PEEK[]` throughput and POP3 logins/s (USER + PASS +
// STAT + QUIT, 20 concurrent), each direct to Dovecot, through lvs7 and
// through Dovecot as a proxy, in one run. The proxies are pinned to core 0;
// the backend Dovecot and the load generator to core 1.
//   node bench/mail/run.mjs [--duration 5] [--rounds 2] [--no-build] [--messages 300] [--size 20000] [--serve]
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { option, waitPort } from '../lib.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => option(name, fallback, args);
const duration = Number(opt('duration', '5'));
const rounds = Number(opt('rounds', '2'));
const messages = Number(opt('messages', '300'));
const messageSize = Number(opt('size', '20000'));
const PROXY_CORE = '0';
const LOAD_CORE = '1';
const PASSWORD = 'benchpw';
const P = { dImap: 19143, dPop3: 19110, lImap: 19243, lPop3: 19210, xImap: 19343, xPop3: 19310 };

for (const bin of ['dovecot', 'taskset']) {
  try {
    execFileSync('sh', ['-c', `PATH=$PATH:/usr/sbin command -v ${bin}`], { stdio: 'ignore' });
  } catch {
    console.error(`missing ${bin} (apt-get install dovecot-imapd dovecot-pop3d util-linux)`);
    process.exit(1);
  }
}
if (!args.includes('--no-build'))
  execFileSync('npx', ['tsc', '-b', 'packages/mail'], { cwd: root, stdio: 'inherit' });

const dir = mkdtempSync(join(tmpdir(), 'lvs7-mail-bench-'));
chmodSync(dir, 0o755); // Dovecot's auth and mail processes read below it
const children = [];
let stopping = false;
function start(name, argv, core, options = {}) {
  const child = spawn('taskset', ['-c', core, ...argv], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  child.on('exit', (code) => {
    if (code !== 0 && code !== null && !stopping) console.error(`${name} exited ${code}: ${err}`);
  });
  children.push(child);
  return child;
}
const dovecots = [];
function cleanup() {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  for (const conf of dovecots) {
    try {
      execFileSync('/usr/sbin/dovecot', ['-c', conf, 'stop'], { stdio: 'ignore' });
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

// --- Dovecot: a backend (core 1) and a proxy (core 0), never the system instance ---
const users = [...Array.from({ length: 100 }, (_, i) => `bench${i}`), 'fetcher'];
function dovecotConf(name, ports, passdbArgs, extra = '') {
  const base = join(dir, name);
  mkdirSync(join(base, 'run'), { recursive: true });
  mkdirSync(join(base, 'state'), { recursive: true });
  const conf = join(base, 'dovecot.conf');
  writeFileSync(
    conf,
    `base_dir = ${base}/run
state_dir = ${base}/state
log_path = ${base}/dovecot.log
instance_name = lvs7-bench-${name}
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
protocols = imap pop3
login_trusted_networks = 127.0.0.0/8
login_greeting = ${name} ready.
mail_location = maildir:${dir}/mail/%u
mail_uid = mail
mail_gid = mail
first_valid_uid = 8
auth_mechanisms = plain login
auth_failure_delay = 0
auth_cache_size = 10M
default_process_limit = 1000
default_client_limit = 10000
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${passdbArgs}
}
userdb {
  driver = static
  args = uid=mail gid=mail home=${dir}/mail/%u
}
service imap-login {
  service_count = 0
  process_min_avail = 1
  vsz_limit = 1G
  inet_listener imap {
    port = ${ports.imap}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  service_count = 0
  process_min_avail = 1
  vsz_limit = 1G
  inet_listener pop3 {
    port = ${ports.pop3}
  }
  inet_listener pop3s {
    port = 0
  }
}
# Reuse mail processes (as busy installations do): logins measure login, not fork+exec.
service imap {
  service_count = 1000
  process_min_avail = 4
}
service pop3 {
  service_count = 1000
  process_min_avail = 4
}
${extra}
`,
  );
  dovecots.push(conf);
  return conf;
}

function populateMailbox() {
  const maildir = join(dir, 'mail', 'fetcher', 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, 'mail', 'fetcher', sub), { recursive: true });
  const line = `${'x'.repeat(76)}\r\n`;
  const body = line.repeat(Math.ceil(messageSize / line.length));
  for (let i = 0; i < messages; i++) {
    const msg = `From: a@bench\r\nTo: fetcher@bench\r\nSubject: message ${i}\r\nMessage-ID: <${i}@bench>\r\n\r\n${body}`;
    writeFileSync(
      join(dir, 'mail', 'fetcher', 'cur', `${1700000000 + i}.M${i}P1.bench,S=${msg.length}:2,S`),
      msg,
    );
  }
  void maildir;
  const chown = (p) => {
    chownSync(p, 8, 8);
    for (const e of readdirSync(p, { withFileTypes: true })) {
      if (e.isDirectory()) chown(join(p, e.name));
      else chownSync(join(p, e.name), 8, 8);
    }
  };
  chown(join(dir, 'mail'));
}

mkdirSync(join(dir, 'mail'), { recursive: true });
populateMailbox();
writeFileSync(join(dir, 'users'), users.map((u) => `${u}:{PLAIN}${PASSWORD}::::::\n`).join(''));
for (const [service, port] of [
  ['imap', P.dImap],
  ['pop3', P.dPop3],
]) {
  writeFileSync(
    join(dir, `proxy-users-${service}`),
    users.map((u) => `${u}:{PLAIN}${PASSWORD}::::::proxy=y host=127.0.0.1 port=${port}\n`).join(''),
  );
}
const backendConf = dovecotConf('backend', { imap: P.dImap, pop3: P.dPop3 }, join(dir, 'users'));
const proxyConf = dovecotConf('dovecot-proxy', { imap: P.xImap, pop3: P.xPop3 }, join(dir, 'proxy-users-%s'));
start('dovecot backend', ['/usr/sbin/dovecot', '-F', '-c', backendConf], LOAD_CORE);
start('dovecot proxy', ['/usr/sbin/dovecot', '-F', '-c', proxyConf], PROXY_CORE);
const lvs7 = start(
  'lvs7',
  ['node', join(here, 'lvs7-mail.mjs'), P.lImap, P.lPop3, `127.0.0.1:${P.dImap}`, `127.0.0.1:${P.dPop3}`].map(
    String,
  ),
  PROXY_CORE,
);
await Promise.all(Object.values(P).map(waitPort));

function load(mode, port, seconds, concurrency, who) {
  return new Promise((resolve, reject) => {
    const child = start(
      'load',
      ['node', join(here, 'load.mjs'), mode, port, seconds, concurrency, who, PASSWORD].map(String),
      LOAD_CORE,
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)));
      } catch (e) {
        reject(e);
      }
    });
  });
}

const cases = [
  {
    name: 'IMAP logins/s (LOGIN+SELECT+LOGOUT, c=20)',
    mode: 'imap-login',
    who: 'bench',
    c: 20,
    metric: 'perSecond',
    ports: { direct: P.dImap, lvs7: P.lImap, 'dovecot-proxy': P.xImap },
  },
  {
    name: `IMAP FETCH 1:* BODY.PEEK[] MB/s (${messages}×${messageSize} B, c=4)`,
    mode: 'imap-fetch',
    who: 'fetcher',
    c: 4,
    metric: 'mbPerSecond',
    ports: { direct: P.dImap, lvs7: P.lImap, 'dovecot-proxy': P.xImap },
  },
  {
    name: 'POP3 logins/s (USER+PASS+STAT+QUIT, c=20)',
    mode: 'pop3-login',
    who: 'bench',
    c: 20,
    metric: 'perSecond',
    ports: { direct: P.dPop3, lvs7: P.lPop3, 'dovecot-proxy': P.xPop3 },
  },
];

// CPU time (ms) the proxy used, from /proc: lvs7's process, or every process of the Dovecot proxy.
const TICK_MS = 10; // USER_HZ = 100
function cpuMs(target) {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const mine =
        target === 'lvs7'
          ? Number(pid) === lvs7.pid
          : readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('lvs7-bench-dovecot-proxy');
      if (!mine) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {}
  }
  return ticks * TICK_MS;
}

// Warm up (twice for lvs7: V8 compiles the hot paths): index the mailbox, start processes, fill caches.
for (const c of cases) for (const port of Object.values(c.ports)) await load(c.mode, port, 1, c.c, c.who);
for (const c of cases) await load(c.mode, c.ports.lvs7, 2, c.c, c.who);

if (args.includes('--serve')) {
  // Keep everything running for manual runs of load.mjs (Ctrl-C stops).
  console.log(JSON.stringify(P));
  await new Promise(() => {});
}
console.log(
  `lvs7 mail benchmark: ${duration}s per case, best of ${rounds} rounds; proxies on core ${PROXY_CORE}, Dovecot + load on core ${LOAD_CORE}`,
);
const cpuOf = (row, target, c) =>
  row[`${target} cpu ms/${c.metric === 'mbPerSecond' ? 'MB' : 'login'}`].toFixed(2);
const results = [];
for (const c of cases) {
  const row = { case: c.name };
  // Rounds alternate the targets, so a burst of other load on the machine hits all of them.
  for (let round = 0; round < rounds; round++) {
    for (const [target, port] of Object.entries(c.ports)) {
      const cpuBefore = target === 'direct' ? 0 : cpuMs(target);
      const r = await load(c.mode, port, duration, c.c, c.who);
      row[target] = Math.max(row[target] ?? 0, r[c.metric]);
      if (target !== 'direct') {
        // Proxy CPU per login, or per MB fetched.
        const units = c.metric === 'mbPerSecond' ? r.mbPerSecond * duration : r.count;
        const perUnit = (cpuMs(target) - cpuBefore) / Math.max(units, 1);
        row[`${target} cpu ms/${c.metric === 'mbPerSecond' ? 'MB' : 'login'}`] = Math.min(
          row[`${target} cpu ms/${c.metric === 'mbPerSecond' ? 'MB' : 'login'}`] ?? Infinity,
          perUnit,
        );
      }
      if (r.errors > 0) row[`${target} errors`] = (row[`${target} errors`] ?? 0) + r.errors;
    }
  }
  row['lvs7/direct'] = row.lvs7 / row.direct;
  row['dovecot-proxy/direct'] = row['dovecot-proxy'] / row.direct;
  results.push(row);
  console.log(
    `${c.name}\n  direct ${row.direct.toFixed(1)}  lvs7 ${row.lvs7.toFixed(1)} (${row['lvs7/direct'].toFixed(3)}×)  dovecot-proxy ${row['dovecot-proxy'].toFixed(1)} (${row['dovecot-proxy/direct'].toFixed(3)}×)` +
      `\n  proxy CPU per ${c.metric === 'mbPerSecond' ? 'MB' : 'login'}: lvs7 ${cpuOf(row, 'lvs7', c)} ms, dovecot-proxy ${cpuOf(row, 'dovecot-proxy', c)} ms`,
  );
}
console.log(JSON.stringify(results));
void lvs7;
process.exit(0);
