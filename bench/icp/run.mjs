// ICP responder benchmark: queries answered per second on one core, and reply
// latency, for the lvs7 IcpResponder and (when installed) Squid's own ICP
// responder, in the same run under the same load.
//
//   npx tsc -b packages/icp packages/testkit && node bench/icp/run.mjs [secondsPerCase] [rounds]
//
// Each responder runs pinned to CPU 0 (taskset), the Node load generator
// (bench/icp/loadgen.mjs: 32 queries in flight) pinned to CPU 1. Cases are
// MISS (URLs the responder does not have) and HIT (URLs it has), interleaved
// lvs7 / Squid over several rounds so background load hits both alike; the
// median round is reported, and the best (background load only slows a run
// down, so the best round is the closest to the responder's own capacity).
// The responder's CPU use over the measured window comes from /proc: below
// 100 % the generator, not the responder, was the limit, and "per core"
// extrapolates q/s to a fully busy core.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { commandExists, startHttpOrigin, startSquid } from '../../packages/testkit/dist/index.js';

const SECONDS = Number(process.argv[2] ?? 4);
const ROUNDS = Number(process.argv[3] ?? 3);
const OUTSTANDING = 32;
const WARMUP_MS = 1000;
const here = new URL('.', import.meta.url).pathname;

/** utime + stime of a process, in seconds. */
async function cpuSeconds(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
}

async function loadgen(target, kind) {
  const args = [
    String(target.port),
    kind,
    String(SECONDS * 1000),
    String(OUTSTANDING),
    String(WARMUP_MS),
    target.prefix,
  ];
  const child = spawn('taskset', ['-c', '1', 'node', join(here, 'loadgen.mjs'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  const cpuBefore = await cpuSeconds(target.pid);
  const [code] = await once(child, 'exit');
  const cpuAfter = await cpuSeconds(target.pid);
  if (code !== 0) throw new Error(`loadgen exited ${code}`);
  const result = JSON.parse(out.trim());
  return { ...result, responderCpu: ((cpuAfter - cpuBefore) / result.seconds) * 100 };
}

async function startLvs7() {
  const child = spawn('taskset', ['-c', '0', 'node', join(here, 'responder.mjs'), '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = await once(child.stdout, 'data');
  const port = Number(/ready (\d+)/.exec(String(line))[1]);
  return {
    name: 'lvs7',
    port,
    pid: child.pid,
    prefix: 'http://origin.bench',
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

function fetchVia(proxyPort, url) {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: proxyPort,
      path: url,
      headers: { host: new URL(url).host },
    });
    req.on('error', reject);
    req.on('response', (res) => res.resume().on('end', resolve));
    req.end();
  });
}

async function startSquidTarget() {
  const origin = await startHttpOrigin({
    name: 'origin',
    handler: (req, res) => {
      req.resume();
      res.setHeader('cache-control', 'max-age=3600');
      res.end('x');
    },
  });
  // As lvs7's responder, Squid does not log each query here.
  const squid = await startSquid({ extraConfig: 'log_icp_queries off' });
  const pid = Number((await readFile(join(squid.dir, 'squid.pid'), 'utf8')).trim());
  await once(spawn('taskset', ['-a', '-pc', '0', String(pid)], { stdio: 'ignore' }), 'exit');
  // Squid answers HIT for what its cache holds: fetch the HIT URLs through it first.
  for (let i = 0; i < 1000; i++) await fetchVia(squid.httpPort, `${origin.url}/hit/${i}`);
  return {
    name: 'squid',
    port: squid.icpPort,
    pid,
    prefix: origin.url,
    async stop() {
      await squid.stop();
      await origin.stop();
    },
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

console.log(
  `ICP responder benchmark: ${ROUNDS} rounds × ${SECONDS} s per case, ${OUTSTANDING} queries in flight, ` +
    'responder on CPU 0, load generator on CPU 1',
);
const targets = [await startLvs7()];
if (commandExists('squid')) targets.push(await startSquidTarget());
else console.log('squid is not installed: lvs7 only');
const runs = new Map();
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of ['miss', 'hit']) {
      for (const target of targets) {
        const result = await loadgen(target, kind);
        const key = `${target.name} ${kind.toUpperCase()}`;
        runs.set(key, [...(runs.get(key) ?? []), result]);
      }
    }
  }
} finally {
  for (const target of targets) await target.stop();
}

for (const [key, results] of runs) {
  const qps = median(results.map((r) => r.qps));
  const best = Math.max(...results.map((r) => r.qps));
  const p50 = median(results.map((r) => r.p50ms));
  const p99 = median(results.map((r) => r.p99ms));
  const cpu = median(results.map((r) => r.responderCpu));
  const perCore = median(results.map((r) => r.qps / (r.responderCpu / 100)));
  const load = median(results.map((r) => r.loadgenCpu));
  const lost = results.reduce((sum, r) => sum + r.lost, 0);
  console.log(
    `${key.padEnd(11)} ${String(qps).padStart(7)} q/s (best ${best})  p50 ${p50.toFixed(3)} ms  p99 ${p99.toFixed(3)} ms` +
      `  responder CPU ${cpu.toFixed(0)}% → ${Math.round(perCore)} q/s per core  load gen CPU ${load}%  lost ${lost}`,
  );
}
