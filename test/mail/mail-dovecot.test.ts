import type { AddressInfo } from 'node:net';
import { HealthMonitor, MemoryStateStore, Pool } from '@lvs7/core';
import { LdapDirectory } from '@lvs7/directory';
import { MailAdmin, MailListener } from '@lvs7/mail';
import {
  type DovecotInstance,
  demoUsersLdif,
  type SlapdInstance,
  startDovecot,
  startSlapd,
  type TempDir,
  tempDir,
} from '@lvs7/testkit';
import type Imap from 'imap';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imapId, nodeImap, python, RawClient } from './helpers/clients.js';

// alice and bob have a mailHost; carol, erin, frank, gina and hank are placed by hash.
const PASSWORDS: Record<string, string> = {
  alice: 'alice-secret',
  bob: 'bob-secret',
  carol: 'carol-secret',
  erin: 'erin-secret',
  frank: 'frank-secret',
  gina: 'gina-secret',
  hank: 'hank-secret',
};
const HOSTS: Record<string, string> = { alice: 'mail1.example.org', bob: 'mail2.example.org' };
const NAMES = { 'mail1.example.org': 'mail1', 'mail2.example.org': 'mail2' } as Record<string, string>;

let slapd: SlapdInstance;
let mailRoot: TempDir;
let dovecots: DovecotInstance[] = [];
let directory: LdapDirectory;
let imapPool: Pool;
let pop3Pool: Pool;
let imap: MailListener;
let pop3: MailListener;
let imapPort: number;
let impatientPort: number;
let impatient: MailListener;
let pop3Port: number;
const opened: Array<{ end(): void } | RawClient> = [];

beforeAll(async () => {
  slapd = await startSlapd({
    ldif: demoUsersLdif(
      Object.entries(PASSWORDS).map(([uid, userPassword]) => ({
        uid,
        mail: `${uid}@example.org`,
        mailHost: HOSTS[uid],
        userPassword,
      })),
    ),
  });
  // Two backends on one shared Maildir root, each naming itself in its greeting and ID.
  mailRoot = await tempDir('lvs7-mail-shared-');
  const users = Object.entries(PASSWORDS).map(([user, password]) => ({ user, password }));
  dovecots = await Promise.all(
    ['mail1', 'mail2'].map((name) =>
      startDovecot({
        name,
        mailRoot: mailRoot.path,
        users,
        imap: true,
        pop3: true,
        trustedNetworks: ['127.0.0.0/8'],
        extraConfig: 'auth_failure_delay = 0\nimap_id_log = *\n',
      }),
    ),
  );
  const [d1, d2] = dovecots;
  const servers = (port: (d: typeof d1) => number) => [
    { name: 'mail1.example.org', address: `127.0.0.1:${port(d1!)}` },
    { name: 'mail2.example.org', address: `127.0.0.1:${port(d2!)}` },
  ];
  imapPool = new Pool('mail-imap', { scheduler: 'mh', servers: servers((d) => d.imapPort) });
  pop3Pool = new Pool('mail-pop3', { scheduler: 'mh', servers: servers((d) => d.pop3Port) });
  const logger = pino({ level: 'silent' });
  directory = new LdapDirectory(
    'people',
    {
      urls: [slapd.url],
      baseDN: slapd.suffix,
      bindDN: slapd.rootDN,
      bindPassword: slapd.rootPassword,
      timeout: 2000,
      retryInterval: 500,
    },
    logger,
  );
  const state = new MemoryStateStore(); // shared: both protocols see the same placements
  const limits = { authFailureDelay: 100, preAuthTimeout: 15_000, maxBadCommands: 5 };
  imap = new MailListener({
    name: 'imap',
    protocol: 'imap',
    listen: '127.0.0.1:0',
    directory,
    pool: imapPool,
    state,
    limits,
    logger,
  });
  pop3 = new MailListener({
    name: 'pop3',
    protocol: 'pop3',
    listen: '127.0.0.1:0',
    directory,
    pool: pop3Pool,
    state,
    limits,
    logger,
  });
  // Same pool and placements, but a short pre-auth timeout.
  impatient = new MailListener({
    name: 'imap-impatient',
    protocol: 'imap',
    listen: '127.0.0.1:0',
    directory,
    pool: imapPool,
    state,
    limits: { ...limits, preAuthTimeout: 1000 },
    logger,
  });
  await imap.listen();
  await pop3.listen();
  await impatient.listen();
  impatientPort = (impatient.address() as AddressInfo).port;
  imapPort = (imap.address() as AddressInfo).port;
  pop3Port = (pop3.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  for (const c of opened) c instanceof RawClient ? c.close() : c.end();
  await imap?.close({ drainTimeoutMs: 0 });
  await pop3?.close({ drainTimeoutMs: 0 });
  await impatient?.close({ drainTimeoutMs: 0 });
  imapPool?.close();
  pop3Pool?.close();
  await directory?.close();
  await Promise.all(dovecots.map((d) => d.stop()));
  await mailRoot?.remove();
  await slapd?.stop();
});

/** Resolves once a Dovecot instance's log matches. */
async function logMatches(name: 'mail1' | 'mail2', pattern: RegExp): Promise<string> {
  const instance = dovecots.find((i) => i.name === name)!;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const log = await instance.log();
    const match = log.split('\n').find((l) => pattern.test(l));
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`${name}'s log has no ${pattern}:\n${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function quickLogin(user = 'alice'): Promise<string> {
  const c = await RawClient.connect(imapPort);
  c.send(`a LOGIN ${user} ${PASSWORDS[user]}\r\nb ID NIL\r\nc LOGOUT\r\n`);
  const text = await c.waitFor(/^c OK/m);
  c.close();
  return /"name" "([^"]+)"/.exec(text)?.[1] ?? 'none';
}

describe('IMAP through lvs7 to real Dovecot', () => {
  it('imaplib LOGIN: a full session on the mailHost backend (SELECT APPEND FETCH STORE EXPUNGE IDLE)', async () => {
    const out = await python('imap_session.py', '127.0.0.1', imapPort, 'alice', PASSWORDS.alice!, 'login');
    expect(out.greeting).toMatch(/^\* OK \[CAPABILITY .*\] lvs7 ready\.$/);
    expect(out.login).toMatch(/^\[CAPABILITY IMAP4rev1 .* MOVE .*\] Logged in$/); // the backend's post-login capabilities
    expect(out.backend).toBe('mail1');
    expect(out.append).toBe('OK');
    expect(out.fetched_subject).toMatch(/^Subject: lvs7 test alice/);
    expect(out.idle_continuation).toMatch(/^\+ idling/);
    expect(out.idle_event).toMatch(/^\* \d+ EXISTS$/);
    expect(out.idle_done).toMatch(/^OK/);
    expect(out.store).toBe('OK');
    expect((out.expunged as string[]).length).toBe(1);
    expect(out.exists_after).toBe((out.exists as number) - 1 + 1); // one expunged, one appended during IDLE
  });

  it('imaplib AUTHENTICATE PLAIN: bob lands on his mailHost', async () => {
    const out = await python('imap_session.py', '127.0.0.1', imapPort, 'bob', PASSWORDS.bob!, 'authenticate');
    expect(out.backend).toBe('mail2');
    expect((out.expunged as string[]).length).toBe(1);
  });

  it('node-imap: a hashed user works end to end, IDLE included, on the server the hash chose', async () => {
    const entry = await imap.router.resolve('carol');
    const expected = NAMES[imap.router.place(entry).server.name];
    const client = await nodeImap(imapPort, 'carol', PASSWORDS.carol!);
    opened.push(client);
    expect((await imapId(client)).name).toBe(expected);
    await new Promise<void>((resolve, reject) =>
      client.openBox('INBOX', false, (e) => (e ? reject(e) : resolve())),
    );
    const mail = new Promise<number>((resolve) => client.once('mail', resolve));
    const other = await nodeImap(imapPort, 'carol', PASSWORDS.carol!);
    await new Promise<void>((resolve, reject) =>
      other.append('Subject: node-imap\r\n\r\nbody\r\n', { mailbox: 'INBOX' }, (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    other.end();
    expect(await mail).toBeGreaterThan(0); // heard through IDLE, across the splice
    const uids = await new Promise<number[]>((resolve, reject) =>
      client.search([['HEADER', 'SUBJECT', 'node-imap']], (e, r) => (e ? reject(e) : resolve(r))),
    );
    expect(uids.length).toBe(1);
    const subject = await new Promise<string>((resolve, reject) => {
      const f = client.fetch(uids, { bodies: 'HEADER.FIELDS (SUBJECT)' });
      let text = '';
      f.on('message', (m) => m.on('body', (s) => s.on('data', (d: Buffer) => (text += d.toString()))));
      f.once('error', reject);
      f.once('end', () => resolve(text.trim()));
    });
    expect(subject).toBe('Subject: node-imap');
    await new Promise<void>((resolve, reject) =>
      client.addFlags(uids, '\\Deleted', (e) => (e ? reject(e) : resolve())),
    );
    await new Promise<void>((resolve, reject) => client.expunge(uids, (e) => (e ? reject(e) : resolve())));
    client.end();
    const placed = await new MailAdmin([imap, pop3]).user('carol');
    expect(placed.listeners.map((l) => l.placement?.reason)).toEqual(['remembered', 'remembered']);
  });

  it('passes the client address on: Dovecot logs the client’s rip, not lvs7’s', async () => {
    const c = await RawClient.connect(imapPort, '127.0.0.5');
    c.send(`a LOGIN hank ${PASSWORDS.hank}\r\nb LOGOUT\r\n`);
    await c.waitFor(/^b OK/m);
    c.close();
    const server = NAMES[imap.router.place(await imap.router.resolve('hank')).server.name] as
      | 'mail1'
      | 'mail2';
    expect(await logMatches(server, /imap-login: Info: Login: user=<hank>/)).toContain('rip=127.0.0.5');
    expect(await logMatches(server, /ID sent: .*x-originating-ip=127\.0\.0\.5/)).toMatch(
      /x-originating-port=\d+/,
    );
  });

  it('answers unknown users like wrong passwords and a directory outage with UNAVAILABLE', async () => {
    const c = await RawClient.connect(imapPort);
    opened.push(c);
    c.send('a LOGIN nobody whatever\r\n');
    await c.waitFor(/^a NO \[AUTHENTICATIONFAILED\] Authentication failed\.\r\n/m);
    c.send('b LOGIN alice wrong-password\r\n');
    await c.waitFor(/^b NO \[AUTHENTICATIONFAILED\] Authentication failed\.\r\n/m);
    await slapd.halt();
    try {
      c.send(`c LOGIN gina ${PASSWORDS.gina}\r\n`); // never looked up: not in the directory's cache
      await c.waitFor(/^c NO \[UNAVAILABLE\] /m);
    } finally {
      await slapd.resume();
    }
    c.send(`d LOGIN gina ${PASSWORDS.gina}\r\n`);
    await c.waitFor(/^d OK /m, 15_000);
  });
});

describe('bad input', () => {
  it('closes a client sending a 100 KB line, then serves the next one', async () => {
    const c = await RawClient.connect(imapPort);
    c.send(Buffer.alloc(100 * 1024, 0x41));
    await c.waitFor(/\* BYE Line too long\.\r\n/);
    await c.waitClosed();
    expect(await quickLogin()).toBe('mail1');
  });

  it('answers garbage with BAD and disconnects after too many', async () => {
    const c = await RawClient.connect(imapPort);
    c.send(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x0d, 0x0a]));
    c.send('\x00\xff\xfe\r\n)(*&\r\nfoo\r\na1 BLAH\r\n"\r\n');
    await c.waitFor(/\* BYE Too many invalid commands\.\r\n/);
    await c.waitClosed();
    expect(c.text).toMatch(/BAD/);
    expect(await quickLogin()).toBe('mail1');
  });

  it('keeps pipelined commands sent before login and passes them to Dovecot after it', async () => {
    const c = await RawClient.connect(imapPort);
    c.send(
      `a CAPABILITY\r\nb NOOP\r\nc LOGIN bob ${PASSWORDS.bob}\r\nd SELECT INBOX\r\ne ID NIL\r\nf LOGOUT\r\n`,
    );
    const text = await c.waitFor(/^f OK/m);
    expect(text).toMatch(/^d OK \[READ-WRITE\] Select completed/m);
    expect(text).toContain('"name" "mail2"');
    c.close();
  });

  it('disconnects a client that never finishes its command', async () => {
    const c = await RawClient.connect(impatientPort);
    c.send('a LOGIN alice {20}\r\nonly part');
    await c.waitFor(/\* BYE Disconnected for inactivity\.\r\n/, 5000);
    await c.waitClosed();
    expect(await quickLogin('bob')).toBe('mail2');
  });
});

describe('POP3 through lvs7 to real Dovecot', () => {
  it('poplib USER/PASS: STAT LIST RETR DELE on the mailHost backend', async () => {
    const out = await python('pop3_session.py', '127.0.0.1', pop3Port, 'alice', PASSWORDS.alice!, 'user');
    expect(out.greeting).toBe('+OK lvs7 ready.');
    expect(out.login).toMatch(/^\+OK Logged in/);
    expect((out.stat as number[])[0]).toBeGreaterThan(0);
    expect(out.retr_subject).toMatch(/^Subject: /);
    expect(out.dele).toMatch(/^\+OK/);
    await logMatches('mail1', /pop3-login: Info: Login: user=<alice>/);
  });

  it('poplib AUTH PLAIN lands bob on his mailHost, with the client address', async () => {
    const out = await python('pop3_session.py', '127.0.0.1', pop3Port, 'bob', PASSWORDS.bob!, 'plain');
    expect(out.login).toMatch(/^\+OK Logged in/);
    expect(await logMatches('mail2', /pop3-login: Info: Login: user=<bob>/)).toContain('rip=127.0.0.1');
    const c = await RawClient.connect(pop3Port, '127.0.0.6');
    c.send(`USER erin\r\nPASS ${PASSWORDS.erin}\r\nQUIT\r\n`);
    await c.waitFor(/Logging out/);
    c.close();
    const server = NAMES[pop3.router.place(await pop3.router.resolve('erin')).server.name] as
      | 'mail1'
      | 'mail2';
    expect(await logMatches(server, /pop3-login: Info: Login: user=<erin>/)).toContain('rip=127.0.0.6');
  });

  it('sends a user to the same backend over POP3 as over IMAP', async () => {
    for (const user of ['carol', 'erin', 'frank', 'hank']) {
      const entry = await imap.router.resolve(user);
      expect(pop3.router.place(entry).server.name).toBe(imap.router.place(entry).server.name);
    }
  });
});

describe('failover', () => {
  let monitor: HealthMonitor | undefined;
  afterAll(() => monitor?.stop());

  it('moves unpinned users off a stopped backend and leaves sessions on the live one alone', async () => {
    // A hashed user not yet placed, and where the hash puts them.
    const frank = await imap.router.resolve('frank');
    const down = imap.router.place(frank).server.name;
    const live = down === 'mail1.example.org' ? 'mail2.example.org' : 'mail1.example.org';
    const pinnedDown = down === 'mail1.example.org' ? 'alice' : 'bob';
    const pinnedLive = down === 'mail1.example.org' ? 'bob' : 'alice';

    const survivor: Imap = await nodeImap(imapPort, pinnedLive, PASSWORDS[pinnedLive]!);
    opened.push(survivor);
    expect((await imapId(survivor)).name).toBe(NAMES[live]);

    await dovecots.find((i) => i.name === NAMES[down])!.stop();

    // Refused connection: frank (hashed) goes to the next placement ...
    expect(await quickLogin('frank')).toBe(NAMES[live]);
    expect(imap.router.remembered(frank.mailbox)).toBe(live);
    // ... but a user the directory pins there gets a temporary failure.
    const c = await RawClient.connect(imapPort);
    c.send(`a LOGIN ${pinnedDown} ${PASSWORDS[pinnedDown]}\r\n`);
    await c.waitFor(/^a NO \[UNAVAILABLE\] /m);
    c.close();

    // Once the health check marks the server down, the pinned user fails over too.
    monitor = new HealthMonitor(imapPool, {
      type: 'imap',
      interval: 500,
      timeout: 5000,
      fall: 1,
      rise: 1,
      jitter: 0,
    });
    monitor.start();
    await expect.poll(() => imapPool.mustGet(down).healthy, { timeout: 5000 }).toBe(false);
    expect(await quickLogin(pinnedDown)).toBe(NAMES[live]);
    const view = await new MailAdmin([imap]).user(pinnedDown);
    expect(view.listeners[0]!.placement).toMatchObject({ server: live });

    // The session on the live backend never noticed.
    await new Promise<void>((resolve, reject) =>
      survivor.openBox('INBOX', true, (e) => (e ? reject(e) : resolve())),
    );
    expect((await imapId(survivor)).name).toBe(NAMES[live]);
  });
});
