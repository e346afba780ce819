#!/usr/bin/env node
// Workers benchmark: HTTP requests per second through `lvs7 start` with
// workers 1 vs 2, each without and with Redis shared state, in one run
// (interleaved rounds, median), against nginx serving a 1 KiB file; the
// direct figure is nginx without a proxy. On a 2-core machine the proxy,
// nginx and wrk share the cores: the ratios are what to read.
// Usage: node bench/workers/run.mjs [--duration 5] [--rounds 3] [--connections 100] [--no-build]
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, option, waitPort } from '../lib.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const duration = Number(option('duration', '5'));
const rounds = Number(option('rounds', '3'));
const connections = Number(option('connections', '100'));
for (const bin of ['nginx', 'wrk', 'redis-server']) {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
  } catch {
    console.error(`missing ${bin} (apt-get install nginx wrk redis-server)`);
    process.exit(1);
  }
}
if (!process.argv.includes('--no-build')) execFileSync('npx', ['tsc', '-b'], { cwd: root, stdio: 'inherit' });

const dir = mkdtempSync(join(tmpdir(), 'lvs7-bench-workers-'));
chmodSync(dir, 0o755);
const children = new Set();
let stopping = false;
function start(name, cmd, argv, readyText) {
  const child = spawn(cmd, argv, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  child.on('exit', (code) => {
    children.delete(child);
    if (code !== 0 && code !== null && !stopping)
      console.error(`${name} exited ${code}: ${err.slice(-2000)}`);
  });
  if (!readyText) return { child };
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (err.includes(readyText)) {
        clearInterval(timer);
        resolve({ child });
      }
      if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`${name} exited: ${err.slice(-2000)}`));
      }
    }, 50);
  });
}
function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}
process.on('exit', () => {
  stopping = true;
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

// nginx backend (its own prefix, never the system instance).
const nginxPort = await freePort();
const prefix = join(dir, 'nginx');
mkdirSync(join(prefix, 'www'), { recursive: true });
writeFileSync(join(prefix, 'www', '1k'), 'x'.repeat(1024));
const temps = ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi'].map((t) => join(prefix, t));
writeFileSync(
  join(prefix, 'nginx.conf'),
  `worker_processes 1; daemon off; pid ${join(prefix, 'nginx.pid')}; error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  client_body_temp_path ${temps[0]}; proxy_temp_path ${temps[1]}; fastcgi_temp_path ${temps[2]};
  uwsgi_temp_path ${temps[3]}; scgi_temp_path ${temps[4]};
  server { listen 127.0.0.1:${nginxPort}; root ${join(prefix, 'www')}; } }
`,
);
start('nginx', 'nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf')]);
await waitPort(nginxPort);

const redisPort = await freePort();
start('redis', 'redis-server', [
  '--port',
  String(redisPort),
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
]);
await waitPort(redisPort);

async function lvs7(workers, redis) {
  const port = await freePort();
  const admin = await freePort();
  const file = join(dir, `lvs7-${workers}-${redis}.yaml`);
  writeFileSync(
    file,
    `workers: ${workers}
admin: { listen: "127.0.0.1:${admin}" }
${redis ? `state: { redis: "redis://127.0.0.1:${redisPort}", cluster: bench${workers} }\n` : ''}pools:
  web:
    scheduler: wlc
    servers: [ { name: nginx, address: "127.0.0.1:${nginxPort}" } ]
listeners:
  - { name: www, protocol: http, listen: "127.0.0.1:${port}", routes: [ { pathPrefix: /, pool: web } ] }
log: { level: warn }
`,
  );
  const ready = workers > 1 ? 'workers serving' : 'lvs7 started';
  const { child } = await start(
    `lvs7 workers=${workers}`,
    process.execPath,
    [join(root, 'packages/cli/bin/lvs7.js'), 'start', '-c', file, '--log-level', 'info'],
    ready,
  );
  await waitPort(port);
  return { port, child };
}

function wrk(port) {
  const out = execFileSync(
    'wrk',
    ['-t2', `-c${connections}`, `-d${duration}s`, '--latency', `http://127.0.0.1:${port}/1k`],
    { encoding: 'utf8' },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99ms = p99 ? Number(p99[1]) * ({ us: 0.001, ms: 1, s: 1000 }[p99[2]] ?? 1) : NaN;
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  return { rps, p99ms, errors: Number(errors) };
}

const targets = [
  { name: 'direct (nginx)', run: async () => wrk(nginxPort) },
  ...[1, 2].flatMap((workers) =>
    [false, true].map((redis) => ({
      name: `lvs7 workers=${workers}${redis ? ' +redis' : ''}`,
      run: async () => {
        const p = await lvs7(workers, redis);
        wrk(p.port); // warm-up (JIT, upstream connections)
        const r = wrk(p.port);
        await stop(p.child);
        return r;
      },
    })),
  ),
];
const results = new Map(targets.map((t) => [t.name, []]));
for (let round = 1; round <= rounds; round++) {
  for (const t of targets) {
    const r = await t.run();
    results.get(t.name).push(r);
    console.error(`round ${round} ${t.name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99ms.toFixed(2)} ms`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [...results].map(([name, rs]) => ({
  name,
  rps: median(rs.map((r) => r.rps)),
  p99: median(rs.map((r) => r.p99ms)),
  errors: rs.reduce((s, r) => s + r.errors, 0),
}));
const base = rows.find((r) => r.name === 'lvs7 workers=1').rps;
const direct = rows[0].rps;
console.log(`\nwrk -t2 -c${connections} ${duration}s, GET 1 KiB, median of ${rounds} interleaved rounds`);
console.log('target                 req/s   ×direct  ×workers=1  p99 ms  non-2xx');
for (const r of rows)
  console.log(
    `${r.name.padEnd(22)} ${r.rps.toFixed(0).padStart(6)}   ${(r.rps / direct).toFixed(2).padStart(6)}   ${(r.rps / base).toFixed(2).padStart(9)}  ${r.p99.toFixed(2).padStart(6)}  ${String(r.errors).padStart(7)}`,
  );
stopping = true;
