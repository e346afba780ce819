#!/usr/bin/env node
// HTTP benchmark: nginx (1 worker, core 1) serves a 1 KiB and a 1 MiB file;
// wrk -t1 -c50 (core 1) measures it directly and through each proxy pinned
// to core 0: lvs7, HAProxy, nginx as a proxy, node http-proxy.
// Usage: node bench/http/run.mjs [--duration 5] [--rounds 2] [--no-build] [--only lvs7,haproxy]
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { option, waitPort } from '../lib.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => option(name, fallback, args);
const duration = Number(opt('duration', '5'));
const rounds = Number(opt('rounds', '2'));
const only = opt('only', '').split(',').filter(Boolean);
const PROXY_CORE = '0';
const LOAD_CORE = '1';
const PORTS = { backend: 18180, lvs7: 18181, haproxy: 18182, nginx: 18183, 'http-proxy': 18184 };

for (const bin of ['nginx', 'haproxy', 'wrk', 'taskset']) {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
  } catch {
    console.error(`missing ${bin} (apt-get install nginx haproxy wrk util-linux)`);
    process.exit(1);
  }
}
if (!args.includes('--no-build'))
  execFileSync('npx', ['tsc', '-b', 'packages/core', 'packages/http'], { cwd: root, stdio: 'inherit' });

const dir = mkdtempSync(join(tmpdir(), 'lvs7-bench-'));
// nginx workers run as nobody: they must be able to read the files.
chmodSync(dir, 0o755);
const children = [];
function start(name, cmd, argv, core) {
  const child = spawn('taskset', ['-c', core, cmd, ...argv], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
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
let stopping = false;
function cleanup() {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

// nginx backend and nginx-as-proxy: separate prefixes, never the system instance.
function nginxConf(prefix, server) {
  mkdirSync(prefix, { recursive: true });
  const temps = ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi'].map((t) => join(prefix, t));
  return `worker_processes 1;
daemon off;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${temps[0]}; proxy_temp_path ${temps[1]}; fastcgi_temp_path ${temps[2]};
  uwsgi_temp_path ${temps[3]}; scgi_temp_path ${temps[4]};
  keepalive_requests 1000000;
  ${server}
}
`;
}
const www = join(dir, 'www');
mkdirSync(www);
writeFileSync(join(www, '1k'), Buffer.alloc(1024, 'k'));
writeFileSync(join(www, '1m'), Buffer.alloc(1024 * 1024, 'm'));
const backendConf = join(dir, 'backend', 'nginx.conf');
writeFileSync(
  backendConf,
  nginxConf(join(dir, 'backend'), `server { listen 127.0.0.1:${PORTS.backend}; root ${www}; }`),
);
const proxyConf = join(dir, 'nginx-proxy', 'nginx.conf');
writeFileSync(
  proxyConf,
  nginxConf(
    join(dir, 'nginx-proxy'),
    `upstream be { server 127.0.0.1:${PORTS.backend}; keepalive 128; }
  server { listen 127.0.0.1:${PORTS.nginx};
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection "";
                 proxy_buffering off; proxy_buffer_size 64k; proxy_buffers 4 64k; } }`,
  ),
);
const haproxyConf = join(dir, 'haproxy.cfg');
writeFileSync(
  haproxyConf,
  `global
  nbthread 1
  maxconn 4000
defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend fe
  bind 127.0.0.1:${PORTS.haproxy}
  default_backend be
backend be
  http-reuse always
  server s1 127.0.0.1:${PORTS.backend}
`,
);

const pids = {};
const proxies = {
  lvs7: ['node', ['bench/http/lvs7-proxy.mjs', `127.0.0.1:${PORTS.lvs7}`, `127.0.0.1:${PORTS.backend}`]],
  haproxy: ['haproxy', ['-f', haproxyConf]],
  nginx: ['nginx', ['-p', join(dir, 'nginx-proxy'), '-c', proxyConf]],
  'http-proxy': ['node', ['bench/http/http-proxy.mjs', String(PORTS['http-proxy']), String(PORTS.backend)]],
};
start('backend', 'nginx', ['-p', join(dir, 'backend'), '-c', backendConf], LOAD_CORE);
await waitPort(PORTS.backend);
for (const [name, [cmd, argv]] of Object.entries(proxies)) {
  if (only.length > 0 && !only.includes(name)) continue;
  pids[name] = start(name, cmd, argv, PROXY_CORE).pid;
  await waitPort(PORTS[name]);
}

// CPU seconds used by a proxy (and its worker children): far less sensitive to a busy machine than req/s.
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
function cpuSeconds(pid) {
  let seconds = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    seconds = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    const kids = execFileSync('sh', ['-c', `pgrep -P ${pid} || true`], { encoding: 'utf8' }).split('\n');
    for (const kid of kids) if (kid !== '') seconds += cpuSeconds(kid);
  } catch {}
  return seconds;
}

const UNITS = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
const TIME_UNITS = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
function toMs(s) {
  const m = /^([\d.]+)(us|ms|s|m|h)/.exec(s);
  return m ? Number(m[1]) * TIME_UNITS[m[2]] : Number.NaN;
}
function wrk(port, path, seconds) {
  const out = execFileSync(
    'taskset',
    ['-c', LOAD_CORE, 'wrk', '-t1', '-c50', `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}${path}`],
    { encoding: 'utf8' },
  );
  const num = (re) => re.exec(out)?.[1];
  const transfer = /Transfer\/sec:\s+([\d.]+)(\w+)/.exec(out);
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(out);
  if (!/99%/.test(out)) process.stderr.write(out);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  return {
    rps: Number(num(/Requests\/sec:\s+([\d.]+)/)),
    p50: toMs(num(/^\s+50%\s+(\S+)/m) ?? ''),
    p99: toMs(num(/^\s+99%\s+(\S+)/m) ?? ''),
    mibs: transfer ? (Number(transfer[1]) * UNITS[transfer[2]]) / 1024 ** 2 : Number.NaN,
    errors: errors ? errors[0] : '',
    requests,
  };
}

const targets = ['direct', ...Object.keys(proxies).filter((n) => only.length === 0 || only.includes(n))];
const portOf = (t) => (t === 'direct' ? PORTS.backend : PORTS[t]);
const results = {};
for (let round = 0; round < rounds; round++) {
  for (const path of ['/1k', '/1m']) {
    for (const t of targets) {
      wrk(portOf(t), path, 1); // warm-up (JIT, connection pools)
      const cpu0 = t === 'direct' ? 0 : cpuSeconds(pids[t]);
      const r = wrk(portOf(t), path, duration);
      r.cpuUs = t === 'direct' ? Number.NaN : ((cpuSeconds(pids[t]) - cpu0) * 1e6) / r.requests;
      ((results[path] ??= {})[t] ??= []).push(r);
      process.stderr.write(
        `round ${round + 1} ${path} ${t}: ${r.rps.toFixed(0)} req/s p99 ${r.p99}ms cpu ${r.cpuUs.toFixed(1)}µs/req ${r.errors}\n`,
      );
    }
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) : '-');
console.log(
  `\nwrk -t1 -c50 -d${duration}s, median of ${rounds} round(s); proxy on core ${PROXY_CORE}, nginx+wrk on core ${LOAD_CORE}\n`,
);
for (const path of ['/1k', '/1m']) {
  const m = {};
  for (const t of targets) {
    const rs = results[path][t];
    m[t] = {
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      mibs: median(rs.map((r) => r.mibs)),
      cpuUs: median(rs.map((r) => r.cpuUs)),
    };
  }
  const hap = m.haproxy;
  console.log(`${path === '/1k' ? '1 KiB' : '1 MiB'} GET`);
  console.log(
    '| target | req/s | p50 ms | p99 ms | MiB/s | proxy CPU µs/req | req/s vs direct | req/s vs HAProxy | p99 vs HAProxy | MiB/s vs HAProxy | CPU/req vs HAProxy |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const t of targets) {
    const r = m[t];
    console.log(
      `| ${t} | ${fmt(r.rps)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.mibs, 1)} | ${fmt(r.cpuUs, 1)} | ${ratio(r.rps, m.direct.rps)} | ${hap ? ratio(r.rps, hap.rps) : '-'} | ${hap ? ratio(r.p99, hap.p99) : '-'} | ${hap ? ratio(r.mibs, hap.mibs) : '-'} | ${hap ? ratio(r.cpuUs, hap.cpuUs) : '-'} |`,
    );
  }
  console.log('');
}
process.exit(0);
