import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, type HttpOrigin, startHttpOrigin, type TempDir, tempDir, waitFor } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, runCli, spawnCli } from './helpers.js';

interface PoolsBody {
  pools: { name: string; servers: { name: string; weight: number; state: string; healthy: boolean }[] }[];
}

describe('lvs7 command', () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir.remove());

  it('--help lists every command; --version prints the version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['start', 'check', 'status', 'server', 'demo'])
      expect(help.stdout).toContain(command);
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('check prints every problem of a broken config with its line, and exits 1', async () => {
    const file = join(dir.path, 'broken.yaml');
    await writeFile(
      file,
      [
        'admin: { listen: 127.0.0.1:9900, colour: blue }', // 1
        'pools:', // 2
        '  web:', // 3
        '    scheduler: fastest', // 4
        '    servers:', // 5
        '      - { name: web1, address: 127.0.0.1:8081, weight: 300 }', // 6
        '      - { name: web1, address: localhost }', // 7
        '    health: { check: http, interval: soon }', // 8
        'listeners:', // 9
        '  - name: www', // 10
        '    listen: 127.0.0.1:8080', // 11
        '    routes:', // 12
        '      - { pathPrefix: /, pool: api }', // 13
      ].join('\n'),
    );
    const result = await runCli(['check', '-c', file]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    const expected = [
      [1, 'admin.colour'],
      [4, 'pools.web.scheduler'],
      [6, 'pools.web.servers[0].weight'],
      [7, 'pools.web.servers[1].name'],
      [7, 'pools.web.servers[1].address'],
      [8, 'pools.web.health.interval'],
      [13, 'listeners[0].routes[0].pool'],
    ] as const;
    for (const [line, path] of expected) {
      expect(
        lines.some((l) => l.startsWith(`${file}:${line}: ${path}: `)),
        `${line} ${path}\n${result.stderr}`,
      ).toBe(true);
    }
    const good = join(dir.path, 'good.yaml');
    await writeFile(good, 'pools:\n  web:\n    servers: [ { name: a, address: 127.0.0.1:1 } ]\n');
    const ok = await runCli(['check', '-c', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('OK');
  });

  describe('start, status, server set, SIGHUP reload, SIGTERM', () => {
    const origins: HttpOrigin[] = [];
    afterAll(async () => Promise.all(origins.map((o) => o.stop())));

    it('keeps admin changes and health across a reload, and drains on SIGTERM', async () => {
      for (const name of ['web1', 'web2', 'web3', 'api1']) origins.push(await startHttpOrigin({ name }));
      const [web1, web2, web3, api1] = origins as [HttpOrigin, HttpOrigin, HttpOrigin, HttpOrigin];
      const adminPort = await freePort();
      const base = `http://127.0.0.1:${adminPort}`;
      const file = join(dir.path, 'lvs7.yaml');
      const webPool = `
  web:
    scheduler: wlc
    servers:
      - { name: web1, address: ${web1.address}, weight: 1 }
      - { name: web2, address: ${web2.address}, weight: 2 }
    health: { check: http, path: /health, interval: 100ms, timeout: 80ms, rise: 1, fall: 1, jitter: 0% }
`;
      await writeFile(file, `admin: { listen: 127.0.0.1:${adminPort} }\npools:${webPool}`);
      const { child, log } = await spawnCli(['start', '-c', file], 'lvs7 started');
      try {
        // Admin changes: web2 weight 7 + drain, web3 added; web1 goes down by health.
        const set = await runCli([
          'server',
          'set',
          'web',
          'web2',
          '--weight',
          '7',
          '--state',
          'drain',
          '--admin',
          base,
        ]);
        expect(set.code, set.stderr).toBe(0);
        expect(set.stdout).toContain('web/web2: state drain, weight 7');
        expect(
          (await api(base, 'POST', '/api/pools/web/servers', { name: 'web3', address: web3.address })).status,
        ).toBe(201);
        await web1.stop();
        await waitFor(async () => {
          const { body } = await api<PoolsBody>(base, 'GET', '/api/pools');
          return body.pools[0]!.servers.find((s) => s.name === 'web1')?.healthy === false;
        });

        const status = await runCli(['status', '--admin', base]);
        expect(status.code).toBe(0);
        expect(status.stdout).toMatch(/pool web \(wlc/);
        expect(status.stdout).toMatch(/web1\s+\S+\s+ready\s+down/);
        expect(status.stdout).toMatch(/web2\s+\S+\s+drain\s+up\s+7/);

        // Reload with a new pool added and web1's weight changed in the file.
        await writeFile(
          file,
          `admin: { listen: 127.0.0.1:${adminPort} }\npools:${webPool.replace('weight: 1 }', 'weight: 4 }')}  api:\n    scheduler: rr\n    servers: [ { name: api1, address: ${api1.address} } ]\n`,
        );
        child.kill('SIGHUP');
        const after = await waitFor(async () => {
          const { body } = await api<PoolsBody>(base, 'GET', '/api/pools');
          return body.pools.length === 2 ? body : undefined;
        });
        const web = after.pools.find((p) => p.name === 'web')!;
        const byName = Object.fromEntries(web.servers.map((s) => [s.name, s]));
        expect(byName.web2).toMatchObject({ weight: 7, state: 'drain' }); // admin change kept
        expect(byName.web3).toBeDefined(); // added server kept
        expect(byName.web1).toMatchObject({ weight: 4, healthy: false }); // file change applied, health kept
        expect(after.pools.find((p) => p.name === 'api')!.servers[0]!.name).toBe('api1');

        // A broken file on SIGHUP is refused; the running config stays.
        await writeFile(file, 'pools: { web: { servers: [ { name: x } ] } }\n');
        child.kill('SIGHUP');
        await waitFor(() => log().includes('reload refused'));
        expect((await api<PoolsBody>(base, 'GET', '/api/pools')).body.pools).toHaveLength(2);
      } finally {
        child.kill('SIGTERM');
      }
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(log()).toContain('lvs7 stopped');
    });
  });
});
