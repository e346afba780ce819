#!/usr/bin/env node
// Cache-cluster benchmark: hot objects served by a cluster of three lvs7
// cache nodes (siblings over ICP) behind the lvs7 HTTP distributor (mh on
// the URL), against the origin served directly, in one run.
//   origin: node:http, 100 objects of 8 KiB, either static (0 ms of work per
//   response) or a dynamic page (1 ms of CPU per response, --work-ms);
//   load: wrk -t1 -c50 over the 100 URLs (a Lua script), or an undici
//   load loop when wrk is missing.
// The servers share core 0, the load generator gets core 1 (taskset).
// Usage: node bench/cache/run.mjs [--duration 8] [--work-ms 1] [--no-build] [--no-wrk]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { option, waitPort } from '../lib.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => option(name, fallback, args);
const duration = Number(opt('duration', '8'));
const workMs = Number(opt('work-ms', '1'));
const OBJECTS = 100;
const SIZE = 8 * 1024;
const PORTS = {
  static: 18380,
  dynamic: 18381,
  front: 18390,
  caches: [18391, 18392, 18393],
  icp: [18394, 18395, 18396],
};
const has = (bin) => {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const HAS_WRK = has('wrk') && !args.includes('--no-wrk');
const pin = has('taskset') && Number(execFileSync('nproc', { encoding: 'utf8' })) >= 2;
const SERVER_CORE = '0';
const LOAD_CORE = '1';

if (!args.includes('--no-build'))
  execFileSync('npx', ['tsc', '-b', 'packages/cache', 'packages/http'], { cwd: root, stdio: 'inherit' });

const dir = mkdtempSync(join(tmpdir(), 'lvs7-bench-cache-'));
const children = [];
let stopping = false;
const pids = {};
function start(name, argv) {
  // taskset execs node: the child's pid is node's.
  const [cmd, rest] = pin ? ['taskset', ['-c', SERVER_CORE, 'node', ...argv]] : ['node', argv];
  const child = spawn(cmd, rest, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  child.on('exit', (code) => {
    if (code !== 0 && code !== null && !stopping) console.error(`${name} exited ${code}: ${err}`);
  });
  children.push(child);
  pids[name] = child.pid;
}

// CPU seconds a process used: far less sensitive to a busy machine than req/s.
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
function cpuSeconds(names) {
  let seconds = 0;
  for (const name of names) {
    const stat = readFileSync(`/proc/${pids[name]}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    seconds += (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  }
  return seconds;
}
process.on('exit', () => {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

start('origin (static)', ['bench/cache/roles.mjs', 'origin', PORTS.static, OBJECTS, SIZE, 0]);
start('origin (dynamic)', ['bench/cache/roles.mjs', 'origin', PORTS.dynamic, OBJECTS, SIZE, workMs]);
const names = ['cache1', 'cache2', 'cache3'];
names.forEach((name, i) => {
  const peers = names
    .map((peer, j) => ({
      name: peer,
      http: `127.0.0.1:${PORTS.caches[j]}`,
      icp: `127.0.0.1:${PORTS.icp[j]}`,
      type: 'sibling',
    }))
    .filter((p) => p.name !== name);
  const options = {
    name,
    listen: `127.0.0.1:${PORTS.caches[i]}`,
    icp: `127.0.0.1:${PORTS.icp[i]}`,
    memory: 64 * 1024 * 1024,
    peers,
    originAddress: `127.0.0.1:${PORTS.dynamic}`,
  };
  start(name, ['bench/cache/roles.mjs', 'cache', JSON.stringify(options)]);
});
start('front', [
  'bench/cache/roles.mjs',
  'front',
  PORTS.front,
  'mh',
  ...PORTS.caches.map((p) => `127.0.0.1:${p}`),
]);
for (const port of [PORTS.static, PORTS.dynamic, ...PORTS.caches, PORTS.front]) await waitPort(port);

// Warm the cluster: every object once (a miss, fetched from the origin), then check it is a hit.
const undici = createRequire(join(root, 'packages/cache/package.json'))('undici');
let hits = 0;
for (let round = 0; round < 2; round++) {
  for (let n = 1; n <= OBJECTS; n++) {
    const res = await undici.request(`http://127.0.0.1:${PORTS.front}/obj/${n}`);
    await res.body.arrayBuffer();
    if (round === 1 && /^HIT from cache\d$/.test(String(res.headers['x-cache']))) hits++;
  }
}
if (hits !== OBJECTS) console.error(`warning: only ${hits}/${OBJECTS} objects were hits after warm-up`);

const script = join(dir, 'paths.lua');
writeFileSync(
  script,
  `local i = 0\nrequest = function()\n  i = (i % ${OBJECTS}) + 1\n  return wrk.format("GET", "/obj/" .. i)\nend\n`,
);

const TIME_UNITS = { us: 0.001, ms: 1, s: 1000 };
const toMs = (s) => {
  const m = /^([\d.]+)(us|ms|s)/.exec(s ?? '');
  return m ? Number(m[1]) * TIME_UNITS[m[2]] : Number.NaN;
};
function runWrk(port) {
  const argv = ['-t1', '-c50', `-d${duration}s`, '--latency', '-s', script, `http://127.0.0.1:${port}`];
  const out = execFileSync(pin ? 'taskset' : 'wrk', pin ? ['-c', LOAD_CORE, 'wrk', ...argv] : argv, {
    encoding: 'utf8',
  });
  const bad = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50: toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1]),
    p99: toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1]),
    errors: Number(bad),
  };
}
async function runUndici(port) {
  const pool = new undici.Pool(`http://127.0.0.1:${port}`, { connections: 50 });
  const latencies = [];
  let errors = 0;
  const end = performance.now() + duration * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const res = await pool.request({ path: `/obj/${(n++ % OBJECTS) + 1}`, method: 'GET' });
        await res.body.arrayBuffer();
        if (res.statusCode !== 200) errors++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { rps: latencies.length / duration, p50: at(0.5), p99: at(0.99), errors };
}
const load = HAS_WRK ? runWrk : runUndici;

const cluster = ['front', ...names, 'origin (dynamic)'];
const rows = [
  ['origin direct, static (0 ms/response)', PORTS.static, ['origin (static)']],
  [`origin direct, dynamic (${workMs} ms CPU/response)`, PORTS.dynamic, ['origin (dynamic)']],
  ['cache cluster via distributor (hot, 100% hits)', PORTS.front, cluster],
  ['one cache node direct (hot, no distributor)', PORTS.caches[0], ['cache1']],
];
const results = [];
for (const [label, port, processes] of rows) {
  const before = cpuSeconds(processes);
  const result = await load(port);
  const cpu = cpuSeconds(processes) - before;
  results.push({ label, ...result, cpu, perCpuSecond: (result.rps * duration) / cpu });
}

console.log(
  `\n${OBJECTS} hot objects of ${SIZE / 1024} KiB, ${duration} s each, ${HAS_WRK ? 'wrk -t1 -c50' : 'undici, 50 connections'}${pin ? ', servers on core 0, load on core 1' : ''}`,
);
console.log(
  'target'.padEnd(50),
  'req/s'.padStart(9),
  'p50 ms'.padStart(8),
  'p99 ms'.padStart(8),
  'errors'.padStart(7),
);
for (const r of results) {
  console.log(
    r.label.padEnd(50),
    r.rps.toFixed(0).padStart(9),
    r.p50.toFixed(2).padStart(8),
    r.p99.toFixed(2).padStart(8),
    String(r.errors).padStart(7),
    r.perCpuSecond.toFixed(0).padStart(10),
  );
}
const [st, dyn, cl] = results;
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
console.log(
  `\ncluster / origin direct, req/s: ${ratio(cl.rps, st.rps)} the static origin, ${ratio(cl.rps, dyn.rps)} the dynamic origin` +
    `\ncluster / origin direct, req per server CPU-second: ${ratio(cl.perCpuSecond, st.perCpuSecond)} static, ${ratio(cl.perCpuSecond, dyn.perCpuSecond)} dynamic`,
);
console.log(JSON.stringify({ bench: 'cache', objects: OBJECTS, size: SIZE, workMs, duration, results }));
process.exit(0);
