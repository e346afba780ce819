// SMTP distributor benchmark: messages/s straight to a backend vs relayed
// through lvs7, in one run, for 10 KB and 1 MB messages, 10 concurrent
// clients (MAIL/RCPT/DATA pipelined, connections reused). The backend is
// Postfix's smtp-sink (in its default mode, so it offers XCLIENT and lvs7
// passes every client on). lvs7 is pinned to core 0; the clients and the
// sink share core 1. Direct and relayed runs alternate for `rounds` rounds
// (a busy neighbour then hurts both alike); the table shows medians. Also
// reports CPU µs per message of lvs7, the sink and the clients.
//
//   npx tsc -b packages/smtp && node bench/smtp/run.mjs [secondsPerRun] [rounds]
//
// Needs /usr/sbin/smtp-sink (Debian's postfix package) and taskset; runs as
// root or as any user smtp-sink may run as.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { freePort, waitPort } from '../lib.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const MEASURE_MS = Number(process.argv[2] ?? 4) * 1000;
const ROUNDS = Number(process.argv[3] ?? 3);
const WARMUP_MS = 1000;
const CONCURRENCY = 10;
const SIZES = [
  ['10 KB', 10 * 1024],
  ['1 MB', 1024 * 1024],
];

if (!existsSync('/usr/sbin/smtp-sink')) throw new Error('smtp-sink is missing: apt-get install postfix');
if (!existsSync(new URL('../../packages/smtp/dist/index.js', import.meta.url)))
  throw new Error('build first: npx tsc -b packages/smtp');
const cores = os.availableParallelism();
const pinned = cores > 1 && existsSync('/usr/bin/taskset');
const pin = (core, argv) => (pinned ? ['taskset', ['-c', String(core), ...argv]] : [argv[0], argv.slice(1)]);

/** utime + stime of a process, in µs (from /proc; clock ticks of 10 ms). */
function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

function runClient(port, size) {
  const [cmd, args] = pin(
    1,
    [process.execPath, `${HERE}client.mjs`, port, size, CONCURRENCY, WARMUP_MS, MEASURE_MS].map(String),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`client exited ${code}`)),
    );
  });
}

const sinkPort = await freePort();
const [sinkCmd, sinkArgs] = pin(1, [
  '/usr/sbin/smtp-sink',
  ...(process.getuid?.() === 0 ? ['-u', 'postfix'] : []),
  `127.0.0.1:${sinkPort}`,
  '1024',
]);
const sink = spawn(sinkCmd, sinkArgs, { stdio: 'ignore' });
await waitPort(sinkPort);

const [proxyCmd, proxyArgs] = pin(0, [process.execPath, `${HERE}proxy.mjs`, `127.0.0.1:${sinkPort}`]);
const proxy = spawn(proxyCmd, proxyArgs, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const fromProxy = (type) =>
  new Promise((resolve) => proxy.once('message', (m) => m.type === type && resolve(m)));
const { port: proxyPort } = await fromProxy('listening');
const proxyStats = async () => {
  const reply = fromProxy('stats');
  proxy.send({ type: 'stats' });
  return reply;
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const per = (micros, n) => micros / Math.max(1, n);

/** One direct run, then one relayed run: rates in msg/s, CPU in µs per message. */
async function round(size) {
  const sinkBefore = cpuMicros(sink.pid);
  const direct = await runClient(sinkPort, size);
  const sinkDirect = cpuMicros(sink.pid) - sinkBefore;
  const before = await proxyStats();
  const sinkBefore2 = cpuMicros(sink.pid);
  const relayed = await runClient(proxyPort, size);
  const sinkRelayed = cpuMicros(sink.pid) - sinkBefore2;
  const after = await proxyStats();
  const proxyCpu = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
  const directRate = direct.messages / direct.seconds;
  const relayedRate = relayed.messages / relayed.seconds;
  return {
    directRate,
    relayedRate,
    ratio: relayedRate / directRate,
    proxyCpu: per(proxyCpu, after.stats.messages - before.stats.messages),
    sinkDirect: per(sinkDirect, direct.messages),
    sinkRelayed: per(sinkRelayed, relayed.messages),
    clientDirect: per(direct.cpuMicros, direct.messages),
    clientRelayed: per(relayed.cpuMicros, relayed.messages),
    errors: direct.errors + relayed.errors,
  };
}

const rows = [];
try {
  for (const [label, size] of SIZES) {
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await round(size));
    const m = (key) => median(rounds.map((r) => r[key]));
    rows.push({
      size: label,
      'direct msg/s': Math.round(m('directRate')),
      'lvs7 msg/s': Math.round(m('relayedRate')),
      ratio: Number(m('ratio').toFixed(2)),
      'ratio per round': rounds.map((r) => r.ratio.toFixed(2)).join(' '),
      'lvs7 CPU µs/msg': Math.round(m('proxyCpu')),
      'sink CPU µs/msg direct/lvs7': `${Math.round(m('sinkDirect'))}/${Math.round(m('sinkRelayed'))}`,
      'client CPU µs/msg direct/lvs7': `${Math.round(m('clientDirect'))}/${Math.round(m('clientRelayed'))}`,
      errors: rounds.reduce((n, r) => n + r.errors, 0),
    });
  }
} finally {
  proxy.send({ type: 'stop' });
  sink.kill();
}

const layout = pinned
  ? 'lvs7 on core 0, clients + smtp-sink on core 1'
  : 'not pinned (one core or no taskset)';
console.log(
  `SMTP relay: ${CONCURRENCY} clients, ${ROUNDS} rounds of ${MEASURE_MS / 1000} s per run (medians); ${layout}`,
);
console.table(rows);
console.log(JSON.stringify(rows));
