import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizePrefix } from '../src/announcer-options.js';
import { type BgpAnnouncer, runBgpAnnouncer } from '../src/bgp-announcer.js';
import { InvalidAnnouncerOptionsError } from '../src/errors.js';
import { listen, type TestServer } from './helpers.js';

type Mode = 'up' | 'down' | 'hang';

/** A fake lvs7 admin: /api/site/announce answers per `mode`; `polls` counts requests. */
async function fakeAdmin(initial: Mode) {
  const state = { mode: initial, polls: 0, hung: [] as ServerResponse[] };
  const server = await listen((req, res) => {
    state.polls++;
    if (req.url !== '/api/site/announce') return void res.writeHead(404).end();
    if (state.mode === 'hang') return void state.hung.push(res);
    res.writeHead(state.mode === 'up' ? 200 : 503).end('{}');
  });
  return { state, server };
}

interface Harness {
  announcer: BgpAnnouncer;
  stdin: PassThrough;
  lines: string[];
  nextLine(): Promise<string>;
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function start(admin: TestServer | string, extra: { retryAfterErrorMs?: number } = {}): Harness {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  let buffered = '';
  stdout.on('data', (chunk: Buffer) => {
    buffered += chunk;
    for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
      const line = buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
      lines.push(line);
      waiting.shift()?.(line);
    }
  });
  const announcer = runBgpAnnouncer({
    admin: typeof admin === 'string' ? admin : admin.url,
    vip: '192.0.2.10/32',
    intervalMs: 20,
    timeoutMs: 300,
    stdin,
    stdout,
    ...extra,
  });
  cleanups.push(() => announcer.stop());
  let seen = 0;
  return {
    announcer,
    stdin,
    lines,
    nextLine: () => {
      if (seen < lines.length) return Promise.resolve(lines[seen++]!);
      return new Promise((resolve) => waiting.push((line) => resolve(lines[seen++] ?? line)));
    },
  };
}

/** Resolves once the fake admin has answered `n` more polls. */
async function polls(state: { polls: number }, n: number): Promise<void> {
  const target = state.polls + n;
  while (state.polls < target) await new Promise((r) => setTimeout(r, 5));
}

const ANNOUNCE = 'announce route 192.0.2.10/32 next-hop self';
const WITHDRAW = 'withdraw route 192.0.2.10/32 next-hop self';

describe('BgpAnnouncer', () => {
  it('announces while lvs7 answers 200, withdraws at once on 503, and writes only changes', async () => {
    const { state, server } = await fakeAdmin('up');
    cleanups.push(() => server.close());
    const h = start(server);
    expect(await h.nextLine()).toBe(ANNOUNCE);
    await polls(state, 5);
    expect(h.lines).toEqual([ANNOUNCE]);
    state.mode = 'down';
    expect(await h.nextLine()).toBe(WITHDRAW);
    await polls(state, 5);
    state.mode = 'up';
    expect(await h.nextLine()).toBe(ANNOUNCE);
    expect(h.lines).toEqual([ANNOUNCE, WITHDRAW, ANNOUNCE]);
  });

  it('re-decides at start: withdraws at once when lvs7 does not answer the first poll', async () => {
    const { server } = await fakeAdmin('up');
    const url = server.url;
    await server.close();
    const h = start(url);
    expect(await h.nextLine()).toBe(WITHDRAW);
    expect(h.announcer.state).toBe('withdrawn');
  });

  it('holds through one failed poll and withdraws after the second', async () => {
    const { state, server } = await fakeAdmin('up');
    cleanups.push(() => server.close());
    const h = start(server);
    expect(await h.nextLine()).toBe(ANNOUNCE);
    // One hung poll, then answers again: no withdraw.
    state.mode = 'hang';
    await polls(state, 1);
    state.mode = 'up';
    await polls(state, 5);
    expect(h.lines).toEqual([ANNOUNCE]);
    // Hung for good: the second timed-out poll withdraws.
    state.hung.length = 0;
    state.mode = 'hang';
    const started = Date.now();
    expect(await h.nextLine()).toBe(WITHDRAW);
    expect(state.hung.length).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 300 - 20);
    for (const res of state.hung) res.destroy();
  });

  it('withdraws after two refused polls when lvs7 dies', async () => {
    const { server } = await fakeAdmin('up');
    const h = start(server);
    expect(await h.nextLine()).toBe(ANNOUNCE);
    await server.close();
    expect(await h.nextLine()).toBe(WITHDRAW);
  });

  it('reads every acknowledgement so the pipe never fills, and re-sends after `error`', async () => {
    const { state, server } = await fakeAdmin('up');
    cleanups.push(() => server.close());
    const h = start(server, { retryAfterErrorMs: 50 });
    expect(await h.nextLine()).toBe(ANNOUNCE);
    const flood = 'done\n'.repeat(200_000); // 1 MB, far beyond any pipe buffer
    await new Promise<void>((resolve) => h.stdin.write(flood, () => resolve()));
    expect(h.stdin.readableLength).toBe(0);
    h.stdin.write('error\n');
    await polls(state, 1);
    expect(h.announcer.state).toBe('unknown');
    expect(await h.nextLine()).toBe(ANNOUNCE);
    expect(h.announcer.state).toBe('announced');
  });

  it('stops on `shutdown` and when ExaBGP closes the pipe', async () => {
    const { server } = await fakeAdmin('up');
    cleanups.push(() => server.close());
    const a = start(server);
    a.stdin.write('shutdown\n');
    await a.announcer.done;
    const b = start(server);
    b.stdin.end();
    await b.announcer.done;
  });

  it('rejects unusable options and normalises the prefix', () => {
    const io = { stdin: new PassThrough(), stdout: new PassThrough() };
    expect(() => runBgpAnnouncer({ ...io, admin: 'nope', vip: '192.0.2.10/33', intervalMs: 0 })).toThrow(
      InvalidAnnouncerOptionsError,
    );
    expect(normalizePrefix('192.0.2.10')).toBe('192.0.2.10/32');
    expect(normalizePrefix('2001:db8::1')).toBe('2001:db8::1/128');
    expect(normalizePrefix('198.51.100.0/24')).toBe('198.51.100.0/24');
    expect(normalizePrefix('192.0.2.10/32/1')).toBeUndefined();
    expect(normalizePrefix('example.com')).toBeUndefined();
  });
});
