import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBgpAnnouncerArgs } from '../../packages/cli/src/commands/bgp-announcer.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LVS7 = `${ROOT}packages/cli/bin/lvs7.js`;

describe('lvs7 bgp-announcer arguments (the fast path of bin/lvs7.js)', () => {
  it('reads --admin, --vip, --interval and --timeout, with the CLI defaults', () => {
    expect(parseBgpAnnouncerArgs(['--vip', '192.0.2.10/32'], {})).toEqual({
      admin: 'http://127.0.0.1:9900',
      vip: '192.0.2.10/32',
      interval: 150,
      timeout: 300,
    });
    expect(
      parseBgpAnnouncerArgs(['--admin', 'http://10.0.0.1:9900', '--vip=192.0.2.10', '--timeout', '1000'], {}),
    ).toMatchObject({ admin: 'http://10.0.0.1:9900', vip: '192.0.2.10', timeout: 1000 });
    expect(parseBgpAnnouncerArgs(['--vip', '192.0.2.10'], { LVS7_ADMIN: 'http://h:1' })?.admin).toBe(
      'http://h:1',
    );
  });

  it('leaves help, unknown options and a missing --vip to the full CLI', () => {
    expect(parseBgpAnnouncerArgs(['--help'], {})).toBeUndefined();
    expect(parseBgpAnnouncerArgs(['--vip', '192.0.2.10', '--bogus'], {})).toBeUndefined();
    expect(parseBgpAnnouncerArgs(['--admin', 'http://h:1'], {})).toBeUndefined();
    expect(parseBgpAnnouncerArgs(['--vip', '192.0.2.10', 'extra'], {})).toBeUndefined();
  });
});

describe('lvs7 bgp-announcer as ExaBGP runs it', () => {
  let admin: Server;
  let status = 200;
  let url = '';

  beforeAll(async () => {
    if (!existsSync(`${ROOT}packages/cli/dist/commands/bgp-announcer.js`)) {
      throw new Error('packages/cli/dist is missing: run `npx tsc -b` first');
    }
    admin = createServer((req, res) => {
      res.writeHead(req.url === '/api/site/announce' ? status : 404, { 'content-type': 'application/json' });
      res.end('{}');
    });
    admin.listen(0, '127.0.0.1');
    await once(admin, 'listening');
    url = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    admin?.closeAllConnections();
    await new Promise((resolve) => admin?.close(resolve));
  });

  /** Starts the announcer; resolves with the child, its stdout so far, and when its first command came. */
  function announcer(args: string[]) {
    const t0 = Date.now();
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = { text: '', firstAt: 0, stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => {
      if (out.text === '') out.firstAt = Date.now() - t0;
      out.text += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk));
    return { child, out };
  }

  it('announces while lvs7 answers 200, withdraws on 503, and ends when ExaBGP closes the pipe', async () => {
    status = 200;
    const { child, out } = announcer([LVS7, 'bgp-announcer', '--admin', url, '--vip', '192.0.2.10']);
    await waitFor(() => out.text.includes('\n'), { timeoutMs: 30_000, message: 'the first command' });
    expect(out.text).toBe('announce route 192.0.2.10/32 next-hop self\n');
    child.stdin.write('done\n');
    status = 503;
    await waitFor(() => out.text.includes('withdraw'), { timeoutMs: 10_000, message: 'a withdraw' });
    expect(out.text.split('\n')[1]).toBe('withdraw route 192.0.2.10/32 next-hop self');
    // Logs go to stderr (JSON); stdout carries nothing but commands.
    // (pino writes asynchronously: the log line may follow the command by a moment)
    await waitFor(() => /"msg":"bgp-announcer: withdraw"/.test(out.stderr), {
      message: 'the withdraw logged',
    });
    child.stdin.end();
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }, 60_000);

  it('starts faster than through the whole CLI (prints both cold starts)', async () => {
    status = 200;
    const times = { fast: [] as number[], full: [] as number[] };
    const full = `import('${ROOT}packages/cli/dist/main.js').then((m) => m.main(process.argv.slice(0, 1).concat(['lvs7', ...process.argv.slice(1)])))`;
    for (let i = 0; i < 3; i++) {
      for (const [kind, args] of [
        ['fast', [LVS7, 'bgp-announcer', '--admin', url, '--vip', '192.0.2.10']],
        ['full', ['--input-type=module', '-e', full, 'bgp-announcer', '--admin', url, '--vip', '192.0.2.10']],
      ] as const) {
        const { child, out } = announcer([...args]);
        await waitFor(() => out.firstAt > 0, { timeoutMs: 30_000, message: `${kind} first command` });
        expect(out.text).toMatch(/^announce route 192\.0\.2\.10\/32/);
        times[kind].push(out.firstAt);
        child.stdin.end();
        await once(child, 'exit');
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    console.log(
      `[anycast] bgp-announcer cold start to first command (median of 3): ` +
        `bin/lvs7.js fast path ${median(times.fast)} ms, through the whole CLI ${median(times.full)} ms`,
    );
  }, 120_000);
});
