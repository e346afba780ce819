import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { freePort, type HttpOrigin, startHttpOrigin, type TempDir, tempDir, waitFor } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, spawnCli } from '../foundation/helpers.js';

/** Child processes of `pid` (the workers of a primary). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

interface Reply {
  status: number;
  servedBy: string;
  body: string;
}

/**
 * One GET. A request that fails on a reused keep-alive connection before any
 * response byte is retried once on a new connection, as RFC 9112 §9.3.1
 * allows and as browsers and undici do: a server may close an idle
 * connection at the moment the client reuses it.
 */
function get(port: number, path: string, agent: Agent | false = false, retried = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, servedBy: String(res.headers['x-served-by'] ?? ''), body }),
      );
      res.on('error', reject);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (req.reusedSocket && !retried && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
        get(port, path, false, true).then(resolve, reject); // on a new connection

        return;
      }
      reject(new Error(`${err.message} (${err.code}, ${req.reusedSocket ? 'reused' : 'new'} connection)`));
    });
    req.end();
  });
}

describe('workers: N processes behind one listening socket, one pool state', () => {
  let dir: TempDir;
  let a: HttpOrigin;
  let b: HttpOrigin;
  let lvs7: { child: ChildProcess; log: () => string };
  let port = 0;
  let admin = '';
  let configFile = '';
  /** Requests held open by the origins (path → release). */
  const held = new Map<string, () => void>();

  const config = (weightB: number) => `
workers: 2
admin: { listen: "${admin.slice('http://'.length)}" }
pools:
  web:
    scheduler: rr
    servers:
      - { name: a, address: ${a.address} }
      - { name: b, address: ${b.address}, weight: ${weightB} }
    health: { check: http, path: /health, interval: 200ms, timeout: 2s, rise: 2, fall: 3 }
  keyed:
    scheduler: lblc
    servers:
      - { name: a, address: ${a.address} }
      - { name: b, address: ${b.address} }
listeners:
  - name: www
    protocol: http
    listen: 127.0.0.1:${port}
    routes:
      - { pathPrefix: /k/, pool: keyed, key: url }
      - { pathPrefix: /, pool: web }
`;

  beforeAll(async () => {
    dir = await tempDir();
    const handler =
      (name: string) =>
      (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
        const path = req.url ?? '/';
        if (path.startsWith('/k/hold')) {
          held.set(path, () => res.end(`${name}\n`));
          return;
        }
        res.end(`${name}\n`);
      };
    a = await startHttpOrigin({ name: 'a', handler: handler('a') });
    b = await startHttpOrigin({ name: 'b', handler: handler('b') });
    port = await freePort();
    admin = `http://127.0.0.1:${await freePort()}`;
    configFile = join(dir.path, 'lvs7.yaml');
    await writeFile(configFile, config(1));
    lvs7 = await spawnCli(['start', '-c', configFile, '--drain-timeout', '5000'], 'workers serving');
  }, 120_000);

  afterAll(async () => {
    if (lvs7 && lvs7.child.exitCode === null) {
      lvs7.child.kill('SIGTERM');
      await once(lvs7.child, 'exit');
    }
    for (const release of held.values()) release();
    await Promise.all([a?.stop(), b?.stop()]);
    await dir?.remove();
  }, 30_000);

  it('runs two worker processes that both serve; the primary reports their traffic', async () => {
    expect(childrenOf(lvs7.child.pid!)).toHaveLength(2);
    const replies = await Promise.all(Array.from({ length: 20 }, () => get(port, '/')));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(new Set(replies.map((r) => r.servedBy))).toEqual(new Set(['a', 'b']));
    const health = await api<{ ready: boolean }>(admin, 'GET', '/api/health');
    expect(health.body.ready).toBe(true);
    // Workers report every second; the primary sums them for /metrics and the status page.
    await waitFor(
      async () => {
        const text = await (await fetch(`${admin}/metrics`)).text();
        const total = text
          .split('\n')
          .filter((l) => l.startsWith('lvs7_listener_requests_total{listener="www"'))
          .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
        return total >= 20;
      },
      { timeoutMs: 5_000, message: 'listener requests in /metrics' },
    );
  });

  /** Waits until the primary's health checks say `server` of pool web is up (true) or down (false). */
  const healthOf = (server: string, healthy: boolean) =>
    waitFor(
      async () => {
        const s = await api<{ servers: { name: string; healthy: boolean }[] }>(
          admin,
          'GET',
          '/api/pools/web',
        );
        return s.body.servers.find((x) => x.name === server)?.healthy === healthy;
      },
      { timeoutMs: 10_000, message: `${server} ${healthy ? 'up' : 'down'}` },
    );

  it('a server the primary sees down is down in every worker; an admin drain reaches every worker', async () => {
    await b.stop();
    await healthOf('b', false);
    const down = await Promise.all(Array.from({ length: 20 }, () => get(port, '/')));
    expect(down.map((r) => `${r.status} ${r.servedBy}`)).toEqual(Array(20).fill('200 a'));
    await b.start();
    await healthOf('b', true);
    expect((await api(admin, 'PATCH', '/api/pools/web/servers/a', { state: 'drain' })).status).toBe(200);
    // The change reaches the workers through IPC in well under a second; then nothing goes to a.
    await waitFor(
      async () => (await get(port, '/')).servedBy === 'b' && (await get(port, '/')).servedBy === 'b',
    );
    const drained = await Promise.all(Array.from({ length: 20 }, () => get(port, '/')));
    expect(drained.map((r) => r.servedBy)).toEqual(Array(20).fill('b'));
    expect((await api(admin, 'PATCH', '/api/pools/web/servers/a', { state: 'ready' })).status).toBe(200);
  });

  it('workers share locality placements and session counts (lblc sends a key to one server from any worker)', async () => {
    /** Holds requests (new keys) until one sits on `server`; returns the paths held. */
    const holdOn = async (server: string): Promise<string[]> => {
      const paths: string[] = [];
      for (let i = 0; i < 6; i++) {
        const path = `/k/hold-${server}-${Date.now()}-${i}`;
        void get(port, path).catch(() => {});
        paths.push(path);
        await waitFor(() => held.has(path), { message: `held ${path}` });
        const servedBy = a.hits.has(path) ? 'a' : 'b';
        if (servedBy === server) return paths;
      }
      throw new Error(`no held request landed on ${server}`);
    };
    const release = (paths: string[]) => {
      for (const p of paths) {
        held.get(p)?.();
        held.delete(p);
      }
    };
    const mismatches: string[] = [];
    for (let i = 0; i < 6; i++) {
      // While a request is held on a, a new key goes to b (every worker knows a's count within 100 ms).
      const onA = await holdOn('a');
      await new Promise((r) => setTimeout(r, 300)); // one count-sync interval (100 ms) with margin
      const key = `/k/object-${i}-${Date.now()}`;
      const first = await get(port, key);
      release(onA);
      // Now a request is held on b instead: a worker that did not know the key would send it to a.
      const onB = await holdOn('b');
      await new Promise((r) => setTimeout(r, 300));
      // One after another (new connections take turns between the workers): concurrent ones would
      // overload b in lblc's eyes (more sessions than its weight) and rightly spill to a.
      const again: Reply[] = [];
      for (let n = 0; n < 4; n++) again.push(await get(port, key));
      release(onB);
      for (const r of again)
        if (r.servedBy !== first.servedBy) mismatches.push(`${key}: ${first.servedBy} then ${r.servedBy}`);
    }
    expect(mismatches).toEqual([]);
  }, 60_000);

  it('reloads ten times (SIGHUP) and restarts every worker twice (SIGUSR2) under load without a failed request', async () => {
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 4 });
    let ok = 0;
    const failures: string[] = [];
    let running = true;
    const loop = async (agent: Agent | false) => {
      while (running) {
        try {
          const r = await get(port, '/', agent);
          if (r.status === 200) ok++;
          else failures.push(`status ${r.status}`);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const loops = [...Array.from({ length: 4 }, () => loop(keepAlive)), loop(false), loop(false)];
    const countOf = (text: string) => lvs7.log().split(text).length - 1;
    const before = childrenOf(lvs7.child.pid!);
    for (let i = 1; i <= 10; i++) {
      const reloaded = countOf('configuration reloaded');
      await writeFile(configFile, config(i % 2 === 0 ? 1 : 2));
      lvs7.child.kill('SIGHUP');
      // The primary logs it once every worker has applied the file.
      await waitFor(() => countOf('configuration reloaded') > reloaded, {
        timeoutMs: 60_000,
        message: `reload ${i}`,
      });
    }
    for (let i = 1; i <= 2; i++) {
      const done = countOf('rolling restart done');
      lvs7.child.kill('SIGUSR2');
      await waitFor(() => countOf('rolling restart done') > done, {
        timeoutMs: 120_000,
        message: `restart ${i}`,
      }).catch((err) => {
        console.log(lvs7.log().split('\n').slice(-40).join('\n'));
        throw err;
      });
    }
    const afterRestarts = ok;
    await waitFor(() => ok > afterRestarts + 50, { message: 'traffic after the restarts' });
    running = false;
    await Promise.all(loops);
    keepAlive.destroy();
    const after = childrenOf(lvs7.child.pid!);
    console.log(
      `workers: ${ok} requests served during 10 reloads and 2 rolling restarts, ${failures.length} failed`,
    );
    if (failures.length > 0)
      console.log(
        lvs7
          .log()
          .split('\n')
          .filter((l) => /health|down|error|warn|"level":[456]0/i.test(l))
          .slice(-40)
          .join('\n'),
      );
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(200);
    expect(after).toHaveLength(2);
    expect(after.some((pid) => before.includes(pid))).toBe(false);
  }, 400_000);

  it('replaces a worker that dies; the other keeps serving', async () => {
    const [victim, survivor] = childrenOf(lvs7.child.pid!);
    process.kill(victim!, 'SIGKILL');
    await waitFor(
      () => {
        const now = childrenOf(lvs7.child.pid!);
        return now.length === 2 && !now.includes(victim!) && now.includes(survivor!);
      },
      { timeoutMs: 90_000, message: 'a replacement worker' },
    );
    await waitFor(() => lvs7.log().includes('worker died'), { message: 'the death logged' });
    const replies = await Promise.all(Array.from({ length: 20 }, () => get(port, '/')));
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
  }, 120_000);

  it('drains on SIGTERM: the primary and its workers exit 0', async () => {
    const workers = childrenOf(lvs7.child.pid!);
    lvs7.child.kill('SIGTERM');
    const [code] = (await once(lvs7.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
  }, 30_000);
});
