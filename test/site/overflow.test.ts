import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type DovecotInstance,
  demoUsersLdif,
  type PostfixInstance,
  startDovecot,
  startPostfix,
  type TempDir,
  tempDir,
  waitFor,
} from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend, freePort, get, Load, type RunningSite, startSite } from './overflow-lab.js';

/**
 * Overflow between two sites, for real: two `lvs7 start` processes on
 * loopback. Each site's VIP listener listens on its own 127.0.0.x (one
 * machine cannot hold one anycast address twice) and on the site's unicast
 * address (127.0.0.21 / 127.0.0.22), same port. Backends hold requests open
 * so that concurrent clients build the load: siteA's capacity is 4
 * sessions, siteB's 20.
 */
const run = promisify(execFile);

/** `n` IMAP sessions one after the other from 127.0.0.5 (python's imaplib): login, NOOP, logout. */
async function imapSessions(host: string, port: number, n: number): Promise<number> {
  const script = `
import imaplib, socket
class Client(imaplib.IMAP4):
    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout, source_address=('127.0.0.5', 0))
ok = 0
for i in range(${n}):
    m = Client('${host}', ${port}, timeout=20)
    m.login('alice@example.org', 'alice-secret')
    m.noop()
    m.logout()
    ok += 1
print(ok)
`;
  const { stdout } = await run('python3', ['-c', script], { timeout: 120_000 });
  return Number(stdout.trim());
}

/** `n` messages to alice, one session each, from 127.0.0.5 (python's smtplib). */
async function smtpSessions(host: string, port: number, n: number): Promise<number> {
  const script = `
import smtplib
ok = 0
for i in range(${n}):
    s = smtplib.SMTP('${host}', ${port}, timeout=20, source_address=('127.0.0.5', 0))
    s.sendmail('bob@example.net', ['alice@example.org'], 'Subject: overflow %d\\r\\n\\r\\nhello\\r\\n' % i)
    s.quit()
    ok += 1
print(ok)
`;
  const { stdout } = await run('python3', ['-c', script], { timeout: 120_000 });
  return Number(stdout.trim());
}

/** IMAP logins Dovecot logged, with the client address it was told (rip). */
async function logins(dovecot: DovecotInstance): Promise<string[]> {
  return [
    ...(await dovecot.log()).matchAll(
      /imap-login: (?:Info: )?Login: user=<alice@example\.org>.*?rip=([0-9.]+)/g,
    ),
  ].map((m) => m[1]!);
}

describe('overflow between sites', () => {
  const VIP_A = '127.0.0.11';
  const VIP_B = '127.0.0.12';
  const ADDRESS_A = '127.0.0.21';
  const ADDRESS_B = '127.0.0.22';
  /** Long holds: sessions in flight then hardly depend on how fast the (busy) test process turns around. */
  const HOLD_MS = 1000;
  let dir: TempDir;
  let port: number;
  const a1 = new Backend('A1');
  const a2 = new Backend('A2');
  const b1 = new Backend('B1');
  let siteA: RunningSite;
  let siteB: RunningSite;
  let imapA: DovecotInstance;
  let imapB: DovecotInstance;
  let imapPort: number;
  let mxA: PostfixInstance;
  let mxB: PostfixInstance;
  let smtpPort: number;

  beforeAll(async () => {
    dir = await tempDir('lvs7-overflow-');
    await Promise.all([a1.start(), a2.start(), b1.start()]);
    await writeFile(
      join(dir.path, 'users.ldif'),
      demoUsersLdif([{ uid: 'alice', mail: 'alice@example.org', userPassword: 'alice-secret' }]),
    );
    const users = [{ user: 'alice@example.org', password: 'alice-secret' }];
    [imapA, imapB] = await Promise.all(
      ['imapA', 'imapB'].map((name) =>
        startDovecot({ name, mailRoot: join(dir.path, name), users, trustedNetworks: ['127.0.0.0/8'] }),
      ),
    );
    [mxA, mxB] = await Promise.all(
      ['mxA', 'mxB'].map((name) => startPostfix({ name, mailboxes: ['alice@example.org'] })),
    );
    imapPort = await freePort();
    smtpPort = await freePort();
    const mail = (vip: string, dovecot: DovecotInstance, mx: PostfixInstance) => ({
      extra: `directories: { people: { file: ${join(dir.path, 'users.ldif')} } }`,
      extraPools:
        `  mail:\n    scheduler: rr\n    protocol: imap\n    servers:\n      - { name: ${dovecot.name}, address: 127.0.0.1:${dovecot.imapPort} }\n` +
        `  mx:\n    scheduler: rr\n    protocol: smtp\n    servers:\n      - { name: ${mx.name}, address: ${mx.address} }`,
      extraListeners:
        `  - { name: imap, protocol: imap, listen: ${vip}:${imapPort}, directory: people, pool: mail, limits: { authFailureDelay: 10ms } }\n` +
        `  - { name: smtp, protocol: smtp, listen: ${vip}:${smtpPort}, directory: people, pool: mx, domains: [example.org] }`,
    });
    port = await freePort();
    const [adminA, adminB] = [await freePort(), await freePort()];
    [siteA, siteB] = await Promise.all([
      startSite(
        dir,
        {
          name: 'siteA',
          vip: VIP_A,
          address: ADDRESS_A,
          capacity: 4,
          backends: [a1, a2],
          ...mail(VIP_A, imapA, mxA),
          adminPort: adminA,
          peer: { name: 'siteB', address: ADDRESS_B, adminPort: adminB },
        },
        port,
      ),
      startSite(
        dir,
        {
          name: 'siteB',
          vip: VIP_B,
          address: ADDRESS_B,
          capacity: 20,
          backends: [b1],
          ...mail(VIP_B, imapB, mxB),
          adminPort: adminB,
          peer: { name: 'siteA', address: ADDRESS_A, adminPort: adminA },
        },
        port,
      ),
    ]);
    for (const site of [siteA, siteB]) {
      await waitFor(async () => (await site.view()).peers[0]?.announcing === true, {
        timeoutMs: 10_000,
        message: `${site.plan.name} to see its peer announcing`,
      });
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all([siteA?.stop(), siteB?.stop()]);
    await Promise.all([
      a1.stop(),
      a2.stop(),
      b1.stop(),
      imapA?.stop(),
      imapB?.stop(),
      mxA?.stop(),
      mxB?.stop(),
    ]);
    await dir?.remove();
  }, 30_000);

  const count = (backend: Backend, from: number, overflow?: string) =>
    backend.seen.slice(from).filter((s) => overflow === undefined || s.overflow === overflow).length;

  it('binds the VIP listener on the site address too', async () => {
    expect((await get(ADDRESS_A, port, '/')).body).toMatch(/^A[12]$/);
    expect((await get(ADDRESS_B, port, '/')).body).toBe('B1');
  });

  it('sends the excess of an overloaded site to the idle one; its own servers keep their share', async () => {
    const load = new Load(VIP_A, port, 10, HOLD_MS);
    try {
      const started = await waitFor(
        async () => {
          const v = await siteA.view();
          return v.overflow.active && v.overflow.share >= 0.4 ? v : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100, message: 'siteA to overflow' },
      );
      expect(started.overflow.reason).toMatch(/light peers: siteB/);
      const from = { a1: a1.seen.length, a2: a2.seen.length, b1: b1.seen.length };
      const loads: number[] = [];
      const shares: string[] = [];
      const until = Date.now() + 5_000;
      while (Date.now() < until) {
        const v = await siteA.view();
        loads.push(v.load);
        shares.push(
          `${v.overflow.share.toFixed(2)}@${v.load}/${v.peers[0]?.load}${v.overflow.active ? '' : ` (${v.overflow.reason}; ${v.peers[0]?.error ?? ''})`}`,
        );
        await new Promise((r) => setTimeout(r, 150));
      }
      const local = count(a1, from.a1) + count(a2, from.a2);
      const remote = count(b1, from.b1);
      const mean = loads.reduce((x, y) => x + y, 0) / loads.length;
      console.log(
        `[overflow] steady state: A1 ${count(a1, from.a1)}, A2 ${count(a2, from.a2)}, B1 ${remote} ` +
          `(${Math.round((100 * remote) / (local + remote))}% to siteB, share ${started.overflow.share.toFixed(2)}); ` +
          `siteA load mean ${mean.toFixed(2)}; share@load/peerLoad ${shares.join(' ')}`,
      );
      // 10 clients at capacity 4: demand 2.5; overflow aims at a local load of 1.0 (above - hysteresis).
      // Measured load is sessions in flight at one instant (noisy on a busy machine): wide bounds.
      expect(remote / (local + remote)).toBeGreaterThan(0.15);
      expect(count(a1, from.a1)).toBeGreaterThan(local * 0.25);
      expect(count(a2, from.a2)).toBeGreaterThan(local * 0.25);
      expect(mean).toBeGreaterThanOrEqual(0.5);
      expect(mean).toBeLessThanOrEqual(2);
      // A mark from a peer's address, to our site address: served here although we overflow.
      const fromPeer = await Promise.all(
        Array.from({ length: 10 }, () =>
          get(ADDRESS_A, port, '/hold?ms=10', { 'x-lvs7-overflow': 'siteB' }, ADDRESS_B),
        ),
      );
      expect(fromPeer.map((x) => x.body).every((body) => body === 'A1' || body === 'A2')).toBe(true);
      expect(await siteA.traffic('received')).toBe(10);
      // The same mark from a client is no mark: some of these go to siteB.
      const spoofed: string[] = [];
      for (let i = 0; i < 20 && !spoofed.includes('B1'); i++) {
        spoofed.push((await get(VIP_A, port, '/hold?ms=10', { 'x-lvs7-overflow': 'siteB' })).body);
      }
      expect(spoofed).toContain('B1');
    } finally {
      await load.stop();
    }
    expect(load.errors).toEqual([]);
    expect(load.answers.every((a) => a.status === 200)).toBe(true);
    // What siteB served came marked from siteA, with the client's address.
    const forwarded = b1.seen.filter((s) => s.overflow !== undefined);
    expect(forwarded.length).toBeGreaterThan(0);
    for (const s of forwarded) {
      expect(s.overflow).toBe('siteA');
      expect(s.xff).toBe(`127.0.0.1, ${ADDRESS_A}`); // the client, then siteA
    }
    expect(b1.seen.filter((s) => s.overflow === undefined).length).toBe(1); // the plain GET above
    const sent = await siteA.traffic('forwarded');
    expect(sent).toBe(forwarded.length);
    expect(await siteA.traffic('failed')).toBe(0);
    expect(await siteB.traffic('received')).toBe(sent);
    expect(await siteB.traffic('forwarded')).toBe(0);
    expect(await siteA.traffic('received')).toBe(10);
    expect(await siteA.metrics()).toContain(
      `lvs7_overflow_sessions_total{listener="www",peer="siteB",protocol="http"} ${sent}`,
    );
  }, 60_000);

  it('never forwards a marked request again, even from a loaded site', async () => {
    const from = { a1: a1.seen.length, a2: a2.seen.length, received: await siteA.traffic('received') };
    // siteB overloaded (30 in flight at capacity 20), siteA idle: siteB overflows to siteA.
    const load = new Load(VIP_B, port, 30, HOLD_MS);
    try {
      await waitFor(() => count(a1, from.a1, 'siteB') + count(a2, from.a2, 'siteB') > 0, {
        timeoutMs: 20_000,
        intervalMs: 100,
        message: 'siteB to overflow to siteA',
      });
      const received = await siteB.traffic('received');
      // Requests as siteA sends them: from siteA's address, to siteB's, marked.
      const marked = await Promise.all(
        Array.from({ length: 20 }, () =>
          get(ADDRESS_B, port, '/hold?ms=10', { 'x-lvs7-overflow': 'siteA' }, ADDRESS_A),
        ),
      );
      expect(marked.map((a) => a.body)).toEqual(Array(20).fill('B1'));
      expect(await siteB.traffic('received')).toBe(received + 20);
    } finally {
      await load.stop();
    }
    expect(load.errors).toEqual([]);
    // siteB's overflow reached siteA's servers marked siteB; siteA sent none of it back.
    const reached = count(a1, from.a1, 'siteB') + count(a2, from.a2, 'siteB');
    expect(reached).toBeGreaterThan(0);
    expect(await siteA.traffic('received')).toBe(from.received + reached);
    expect(await siteA.traffic('forwarded')).toBe((await siteB.traffic('received')) - 20);
  }, 60_000);

  it('stops sending to a peer whose load is above peerBelow', async () => {
    await waitFor(async () => (await siteA.view()).peers[0]?.load === 0, {
      timeoutMs: 10_000,
      message: 'siteB idle again',
    });
    // siteB at load 1.5 and steady: 30 requests held 20 s at once (capacity 20), before
    // siteB's own overflow could start. (Long holds: on a busy CI machine siteA's polls of
    // siteB can take seconds to see it.)
    const held = Promise.all(Array.from({ length: 30 }, () => get(VIP_B, port, '/hold?ms=20000')));
    let loadA: Load | undefined;
    try {
      await waitFor(async () => ((await siteA.view()).peers[0]?.load ?? 0) > 1.1, {
        timeoutMs: 15_000,
        intervalMs: 100,
        message: 'siteA to see siteB above 1.1',
      });
      loadA = new Load(VIP_A, port, 10, HOLD_MS);
      const view = await waitFor(
        async () => {
          const v = await siteA.view();
          return v.load > 1.1 ? v : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 100, message: 'siteA overloaded' },
      );
      expect(view.overflow.reason).toMatch(/no peer below 0.7/);
      expect(view.overflow.active).toBe(false);
      const sent = await siteA.traffic('forwarded');
      const from = b1.seen.length;
      await new Promise((r) => setTimeout(r, 2_000));
      expect(await siteA.traffic('forwarded')).toBe(sent);
      expect(count(b1, from, 'siteA')).toBe(0);
      expect((await siteA.view()).overflow.active).toBe(false);
    } finally {
      await loadA?.stop();
      await held;
    }
  }, 60_000);

  it('splices new IMAP and SMTP sessions to the peer after a PROXY header; the client address is kept', async () => {
    await waitFor(
      async () => !(await siteA.view()).overflow.active && (await siteA.view()).peers[0]?.load === 0,
      {
        timeoutMs: 15_000,
        message: 'both sites idle again',
      },
    );
    expect(await imapSessions(VIP_A, imapPort, 2)).toBe(2);
    expect((await logins(imapA)).length).toBe(2);
    const load = new Load(VIP_A, port, 10, HOLD_MS);
    try {
      await waitFor(
        async () => {
          const v = await siteA.view();
          return v.overflow.active && v.overflow.share >= 0.4;
        },
        { timeoutMs: 20_000, intervalMs: 100, message: 'siteA to overflow' },
      );
      expect(await imapSessions(VIP_A, imapPort, 10)).toBe(10);
      expect(await smtpSessions(VIP_A, smtpPort, 10)).toBe(10);
    } finally {
      await load.stop();
    }
    const [atA, atB] = [await logins(imapA), await logins(imapB)];
    console.log(`[overflow] IMAP logins while overflowing: siteA ${atA.length - 2}, siteB ${atB.length}`);
    expect(atA.length - 2 + atB.length).toBe(10);
    expect(atB.length).toBeGreaterThan(0);
    // siteB's lvs7 learned the client from siteA's PROXY header and told Dovecot (IMAP ID).
    expect(new Set(atB)).toEqual(new Set(['127.0.0.5']));
    expect(await siteA.traffic('forwarded', 'imap')).toBe(atB.length);
    expect(await siteB.traffic('received', 'imap')).toBe(atB.length);
    expect(await siteB.traffic('forwarded', 'imap')).toBe(0);
  }, 120_000);

  it('did the same for the SMTP sessions: each message delivered once, at one site', async () => {
    const [atA, atB] = await waitFor(
      async () => {
        const both = [await mxA.deliveries(), await mxB.deliveries()];
        return both[0]!.length + both[1]!.length >= 10 ? both : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, message: '10 deliveries' },
    );
    console.log(`[overflow] SMTP messages while overflowing: siteA ${atA!.length}, siteB ${atB!.length}`);
    expect(atA!.length + atB!.length).toBe(10);
    expect(atB!.length).toBeGreaterThan(0);
    expect(await siteA.traffic('forwarded', 'smtp')).toBe(atB!.length);
    expect(await siteB.traffic('received', 'smtp')).toBe(atB!.length);
    // siteB's lvs7 passed the client from the PROXY header on to Postfix (XCLIENT).
    for (const m of atB!) expect(m.content).toMatch(/\[127\.0\.0\.5\]/);
  }, 60_000);
});
