// The scripted end-to-end pass of `run.sh --check` against the running example:
// one line "ok - …" or "not ok - …" per step, then "check: N passed, M failed";
// exit status 0 when every step passed. run.sh passes the addresses.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';

const { values: o } = parseArgs({
  options: {
    front: { type: 'string' }, // the distributor, host:port
    admin: { type: 'string' }, // its admin API, http://host:port
    origin: { type: 'string' },
    squid: { type: 'string' }, // Squid's HTTP port, host:port
    'cache-port': { type: 'string' }, // the nodes' HTTP port (c1..c3 on 127.0.10.1..3)
    'squid-pid': { type: 'string' },
    'squid-log': { type: 'string' }, // Squid's access.log
    cli: { type: 'string' }, // packages/cli/bin/lvs7.js
  },
});
const F = o.front;
let passed = 0;
let failed = 0;

function report(good, message) {
  if (good) passed++;
  else failed++;
  console.log(`${good ? 'ok' : 'not ok'} - ${message}`);
}

/** GET `path` (origin-form, or absolute-form to a proxy) from `to` (host:port): status, headers, body. */
function get(to, path, headers = {}) {
  const [host, port] = to.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        // Node joins repeated X-Cache fields with ", " (Squid's then ours).
        const xcache = String(res.headers['x-cache'] ?? '');
        resolve({
          status: res.statusCode,
          headers: res.headers,
          xcache,
          body: Buffer.concat(chunks).toString(),
        });
      });
      res.on('error', reject);
    });
    req.setTimeout(20_000, () => req.destroy(new Error(`GET ${path} from ${to}: no answer in 20 s`)));
    req.on('error', reject);
    req.end();
  });
}
const front = (path, headers) => get(F, path, headers);
const viaSquid = (path) => get(o.squid, `http://${F}${path}`);
/** The node that answered: the last "from NAME" of X-Cache. */
const answered = (xcache) => xcache.split(' from ').at(-1);
const fetches = async () => JSON.parse((await get(o.origin, '/stats')).body);

async function squidLogged(pattern) {
  for (let i = 0; i < 100; i++) {
    const log = await readFile(o['squid-log'], 'utf8').catch(() => '');
    if (pattern.test(log)) return true;
    await sleep(100); // Squid writes its access log a little later
  }
  return false;
}
const re = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

async function missThenHit() {
  const first = await front('/static/app.js');
  const second = await front('/static/app.js');
  const node = answered(first.xcache);
  const good =
    /^MISS from c[123]$/.test(first.xcache) &&
    second.xcache === `HIT from ${node}` &&
    second.body === '/static/app.js from the origin\n' &&
    (await fetches())['/static/app.js'] === 1;
  report(
    good,
    `MISS then HIT from the same node: '${first.xcache}', then '${second.xcache}'; origin fetched it once`,
  );
  return node;
}

async function noStore() {
  const a = await front('/nocache/now.txt');
  const b = await front('/nocache/now.txt');
  const good =
    /^MISS from c[123]$/.test(a.xcache) &&
    /^MISS from c[123]$/.test(b.xcache) &&
    b.body === '/nocache/now.txt from the origin, fetch #2\n';
  report(good, `no-store is never kept: '${a.xcache}', then '${b.xcache}' (origin fetch #2)`);
}

async function spread(n) {
  const owners = new Map();
  let misses = 0;
  for (let i = 1; i <= n; i++) {
    const r = await front(`/static/obj-${i}.txt`);
    if (/^MISS from c[123]$/.test(r.xcache)) misses++;
    owners.set(i, answered(r.xcache));
  }
  const counts = ['c1', 'c2', 'c3'].map((c) => [c, [...owners.values()].filter((x) => x === c).length]);
  const text = counts.map(([c, k]) => `${c}: ${k}`).join(', ');
  report(misses === n && counts.filter(([, k]) => k > 0).length >= 2, `${n} objects spread by URL (${text})`);
  return owners;
}

async function icpRouting() {
  const seen = [];
  for (const i of [1, 2, 3]) {
    // Filled on node i directly, with the Host the distributor passes on (the same cache key).
    await get(`127.0.10.${i}:${o['cache-port']}`, `/static/placed-${i}.txt`, { host: F });
    seen.push([i, (await front(`/static/placed-${i}.txt`)).xcache]);
  }
  const good = seen.every(([i, x]) => x === `HIT from c${i}`);
  report(
    good,
    `ICP routing: each object served by the node that holds it (${seen.map((s) => s[1]).join('; ')})`,
  );
}

async function squidOnly() {
  const path = '/static/from-squid.txt';
  // Squid answers 502 (ERR_READ_ERROR, nothing kept) while it still counts its peers dead after a
  // start; a real client retries, and so does this.
  let filled = await viaSquid(path);
  for (let i = 0; i < 10 && filled.status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 500));
    filled = await viaSquid(path);
  }
  const fromSquid = await front(path);
  const again = await front(path);
  const node = answered(fromSquid.xcache);
  const good =
    filled.xcache === 'MISS from squid' &&
    /^HIT from squid, MISS from c[123]$/.test(fromSquid.xcache) &&
    again.xcache === `HIT from ${node}` &&
    (await fetches())[path] === 1 &&
    (await squidLogged(
      new RegExp(` 127\\.0\\.10\\.${node.slice(1)} UDP_HIT/000 \\d+ ICP_QUERY ${re(`http://${F}${path}`)}`),
    ));
  report(
    good,
    `an object only Squid held came from Squid: '${filled.xcache}' (through Squid), then '${fromSquid.xcache}', then '${again.xcache}'; origin fetched it once`,
  );
}

async function squidAsksUs(owner) {
  const r = await viaSquid('/static/app.js');
  const at = `127\\.0\\.10\\.${owner.slice(1)}`;
  const good =
    r.xcache === `HIT from ${owner}, MISS from squid` &&
    (await squidLogged(new RegExp(`GET ${re(`http://${F}/static/app.js`)} - SIBLING_HIT/${at} `)));
  report(good, `Squid fetched from its lvs7 sibling: '${r.xcache}', SIBLING_HIT in its access log`);
}

async function ranges() {
  const a = await front('/big/video.bin', { range: 'bytes=1048576-1048607' });
  const b = await front('/big/video.bin', { range: 'bytes=-16' });
  const direct = await get(o.origin, '/big/other.bin', { range: 'bytes=16-31' });
  const good =
    a.status === 206 &&
    a.headers['content-range'] === 'bytes 1048576-1048607/8388608' &&
    a.body === '000000000065536\n000000000065537\n' &&
    /^MISS from c[123]$/.test(a.xcache) &&
    b.status === 206 &&
    b.headers['content-range'] === 'bytes 8388592-8388607/8388608' &&
    b.body === '000000000524287\n' &&
    b.xcache === `HIT from ${answered(a.xcache)}` &&
    (await fetches())['/big/video.bin'] === 1 &&
    direct.status === 206 &&
    direct.body === '000000000000001\n';
  report(
    good,
    `ranges of the 8 MiB object: ${a.status} ${a.headers['content-range']} '${a.xcache}', then ${b.status} ${b.headers['content-range']} '${b.xcache}'; origin sent it once`,
  );
}

async function admin() {
  const { stdout } = await promisify(execFile)(process.execPath, [o.cli, 'status', '--admin', o.admin]).catch(
    (e) => ({ stdout: `${e.stdout ?? ''}${e.stderr ?? e}` }),
  );
  const good = stdout.includes('caches (carp, 3 eligible)');
  report(good, `lvs7 status: pool caches (carp, 3 eligible)${good ? '' : `; it said:\n${stdout}`}`);
  const page = await get(o.admin.replace('http://', ''), '/');
  report(
    page.status === 200 && String(page.headers['content-type']).startsWith('text/html'),
    `status page at ${o.admin}/`,
  );
}

async function removeC3(owners) {
  const before = await fetches();
  const res = await fetch(`${o.admin}/api/pools/caches/servers/c3`, { method: 'DELETE' });
  for (let i = 0; i < 100; i++) {
    const pool = await (await fetch(`${o.admin}/api/pools/caches`)).json();
    if (!pool.servers.some((s) => s.name === 'c3')) break;
    await sleep(100);
  }
  let moved = 0;
  let stayed = 0;
  const wrong = [];
  for (const [i, owner] of owners) {
    const x = (await front(`/static/obj-${i}.txt`)).xcache;
    if (owner === 'c3' ? /^HIT from c3, MISS from c[12]$/.test(x) : x === `HIT from ${owner}`) {
      if (owner === 'c3') moved++;
      else stayed++;
    } else wrong.push(`obj-${i} (was ${owner}): '${x}'`);
  }
  const after = await fetches();
  const originFetches = [...owners.keys()].filter(
    (i) => after[`/static/obj-${i}.txt`] !== before[`/static/obj-${i}.txt`],
  );
  report(
    res.ok && wrong.length === 0 && originFetches.length === 0,
    `c3 removed (DELETE ${res.status}): its ${moved} objects moved, filled from c3 over ICP; the other ${stayed} stayed; ${originFetches.length} origin fetches${wrong.length ? `; unexpected: ${wrong.join(', ')}` : ''}`,
  );
}

async function stopSquid() {
  const pid = Number(o['squid-pid']);
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  const took = [];
  let good = !alive(pid);
  for (let i = 1; i <= 8; i++) {
    const t0 = performance.now();
    const r = await front(`/static/after-squid-${i}.txt`);
    took.push(Math.round(performance.now() - t0));
    good &&= r.status === 200 && /^MISS from c[12]$/.test(r.xcache);
  }
  report(good, `Squid stopped: misses still served, in ${took.join(', ')} ms`);
}

/** Running (a zombie waiting for run.sh to reap it is not). */
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const steps = async () => {
  const owner = await missThenHit();
  await noStore();
  const owners = await spread(24);
  await icpRouting();
  await squidOnly();
  await squidAsksUs(owner);
  await ranges();
  await admin();
  await removeC3(owners);
  await stopSquid();
};
try {
  await steps();
} catch (error) {
  report(false, `stopped: ${error.message}`);
}
console.log(`check: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
