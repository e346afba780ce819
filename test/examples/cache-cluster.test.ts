import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@lvs7/testkit';
import { afterAll, describe, expect, it } from 'vitest';

// Runs examples/cache-cluster/run.sh (needs `npx tsc -b` and Debian's squid):
// once with --check, once up with its printed commands run against it.
const run = promisify(execFile);
const script = fileURLToPath(new URL('../../examples/cache-cluster/run.sh', import.meta.url));
// Under load the five processes take a while to start.
const TIMEOUT = 240_000;

function bindable(host: string, port: number, udp = false): Promise<boolean> {
  return new Promise((resolve) => {
    if (udp) {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, host, () => s.close(() => resolve(true)));
      return;
    }
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A PORT_BASE (multiple of 100, below Linux's ephemeral range) whose ports are free now. */
async function freeBase(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const base = 20_000 + 100 * Math.floor(Math.random() * 120);
    const checks = [
      bindable('127.0.0.1', base),
      bindable('127.0.0.1', base + 1),
      bindable('127.0.0.1', base + 9),
      ...[1, 2, 3, 4].flatMap((h) => [
        bindable(`127.0.10.${h}`, base + 28),
        bindable(`127.0.10.${h}`, base + 30, true),
      ]),
    ];
    if ((await Promise.all(checks)).every(Boolean)) return base;
  }
  throw new Error('no free PORT_BASE found');
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('error', () => resolve(true));
    socket.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const sh = async (command: string) => (await run('bash', ['-c', command], { timeout: 30_000 })).stdout;

describe('examples/cache-cluster/run.sh', () => {
  let example: ChildProcess | undefined;

  afterAll(async () => {
    // After a failure: run.sh stops what it started on SIGTERM.
    if (example === undefined || example.exitCode !== null) return;
    const exited = new Promise((resolve) => example!.once('exit', resolve));
    example.kill('SIGTERM');
    await exited;
  }, 30_000);

  it(
    '--check passes every step of the scripted pass',
    async () => {
      const base = await freeBase();
      const { stdout } = await run('bash', [script, '--check'], {
        timeout: TIMEOUT,
        env: { ...process.env, PORT_BASE: String(base) },
      }).catch((error: { stdout?: string; stderr?: string }) => {
        throw new Error(`run.sh --check failed:\n${error.stdout}\n${error.stderr}`);
      });
      expect(stdout).toMatch(/^ready in \d+ ms$/m);
      expect(stdout).not.toMatch(/^not ok/m);
      for (const step of [
        /^ok - MISS then HIT from the same node: 'MISS from (c\d)', then 'HIT from \1'/m,
        /^ok - no-store is never kept: 'MISS from (c\d)', then 'MISS from \1'/m,
        /^ok - 24 objects spread by URL/m,
        /^ok - ICP routing: each object served by the node that holds it \(HIT from c1; HIT from c2; HIT from c3\)/m,
        /^ok - an object only Squid held came from Squid: 'MISS from squid' \(through Squid\), then 'HIT from squid, MISS from (c\d)', then 'HIT from \1'/m,
        /^ok - Squid fetched from its lvs7 sibling: 'HIT from c\d, MISS from squid'/m,
        /^ok - ranges of the 8 MiB object: 206 bytes 1048576-1048607\/8388608/m,
        /^ok - lvs7 status: pool caches \(carp, 3 eligible\)/m,
        /^ok - status page at /m,
        /^ok - c3 removed \(DELETE 200\): its \d+ objects moved, filled from c3 over ICP; the other \d+ stayed; 0 origin fetches/m,
        /^ok - Squid stopped: misses still served/m,
      ]) {
        expect(stdout).toMatch(step);
      }
      expect(stdout).toMatch(/^check: 11 passed, 0 failed$/m);
      // Everything it started is gone.
      expect(await refused(base)).toBe(true);
      expect(await refused(base + 9)).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'stays up until SIGTERM, and the commands it prints do what they say',
    async () => {
      const base = await freeBase();
      const child = spawn('bash', [script], {
        env: { ...process.env, PORT_BASE: String(base) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      example = child;
      let out = '';
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      // Up once it has printed its commands; an exit before that is a failure with its output.
      await new Promise<void>((resolve, reject) => {
        const collect = (chunk: Buffer) => {
          out += chunk;
          if (out.includes('Up until Ctrl-C.')) resolve();
        };
        child.stdout!.on('data', collect);
        child.stderr!.on('data', collect);
        void exited.then((code) => reject(new Error(`run.sh exited (${code}) before it was up:\n${out}`)));
      });
      expect(out).toContain('Up until Ctrl-C.');
      const dir = /configs and logs in (\/tmp\/lvs7-cache-cluster\.\w+)/.exec(out)?.[1];
      expect(dir && existsSync(dir)).toBe(true);
      const commands = out.split('\n').filter((l) => /^(curl|node) /.test(l));
      const find = (...parts: string[]) => commands.filter((c) => parts.every((p) => c.includes(p)));

      const [miss, hit] = find('/static/app.js').filter((c) => !c.includes(' -x '));
      expect(miss).toBe(hit);
      const first = await sh(miss!);
      const node = /^x-cache: MISS from (c\d)\s*$/im.exec(first)?.[1];
      expect(node).toBeDefined();
      expect(await sh(hit!)).toMatch(new RegExp(`^x-cache: HIT from ${node}\\s*$`, 'im'));

      const [fill] = find(' -x ', '/static/from-squid.txt');
      // Squid answers 502 (nothing kept) while it still counts its peers dead after a start:
      // wait until it forwards a request of its own before following the printed commands.
      const [, squid, front] = / -x (\S+) (http:\/\/[^/]+)/.exec(fill!)!;
      await waitFor(
        async () =>
          (
            await sh(`curl -s -o /dev/null -w '%{http_code}' -x ${squid} ${front}/static/warm-up.txt`)
          ).trim() === '200',
        { timeoutMs: 30_000, intervalMs: 500, message: 'Squid to forward to the origin' },
      );
      expect(await sh(fill!)).toMatch(/^x-cache: MISS from squid\s*$/im);
      const [fromSquid] = find('/static/from-squid.txt').filter((c) => !c.includes(' -x '));
      const lines = (await sh(fromSquid!)).trim().split('\n');
      expect(lines[0]).toMatch(/^x-cache: HIT from squid\s*$/i);
      expect(lines[1]).toMatch(/^x-cache: MISS from c\d\s*$/i);

      const [range] = find('-r 1048576-1048607');
      const ranged = await sh(range!);
      expect(ranged).toMatch(/^HTTP\/1\.1 206 /);
      expect(ranged).toMatch(/^content-range: bytes 1048576-1048607\/8388608\s*$/im);
      expect(ranged).toMatch(/\r\n\r\n000000000065536\n000000000065537\n$/);

      const [status] = find(' status --admin ');
      expect(await sh(status!)).toMatch(/caches \(carp, 3 eligible\)/);

      child.kill('SIGTERM');
      expect(await exited).toBe(143);
      example = undefined;
      expect(existsSync(dir!)).toBe(false);
      expect(await refused(base)).toBe(true);
      expect(await refused(base + 1)).toBe(true);
    },
    TIMEOUT,
  );
});
