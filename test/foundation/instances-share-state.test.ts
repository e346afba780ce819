import diagnosticsChannel from 'node:diagnostics_channel';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Instance } from '@lvs7/cli';
import type { HealthCheckEvent, HealthEvent } from '@lvs7/core';
import {
  freePort,
  type HttpOrigin,
  type OriginHandler,
  type RedisInstance,
  startHttpOrigin,
  startRedis,
  type TempDir,
  tempDir,
  waitFor,
} from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, api, startInstance } from './helpers.js';

const config = (redis: string) => `
admin: { listen: 127.0.0.1:0 }
state: { redis: ${redis}, cluster: t${process.pid} }
pools:
  web:
    scheduler: wlc
    servers:
      - { name: web1, address: 127.0.0.1:9001 }
      - { name: web2, address: 127.0.0.1:9002 }
`;

describe('instances sharing state through Redis', () => {
  let redis: RedisInstance;
  const instances: Instance[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await redis.stop();
  });

  it('an admin change on one instance reaches the others, and a new instance starts from it', async () => {
    const a = await startInstance(config(redis.url));
    const b = await startInstance(config(redis.url));
    instances.push(a, b);
    const changed = await api(adminUrl(a), 'PATCH', '/api/pools/web/servers/web2', {
      weight: 9,
      state: 'drain',
    });
    expect(changed.status).toBe(200);
    expect(
      (await api(adminUrl(a), 'POST', '/api/pools/web/servers', { name: 'web3', address: '127.0.0.1:9003' }))
        .status,
    ).toBe(201);
    const started = Date.now();
    await waitFor(
      () => b.pools().get('web')!.get('web3') && b.pools().get('web')!.get('web2')!.state === 'drain',
      {
        timeoutMs: 2_000,
        message: 'the change on instance b',
      },
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(b.pools().get('web')!.get('web2')!.configuredWeight).toBe(9);

    const c = await startInstance(config(redis.url));
    instances.push(c);
    const web = c.pools().get('web')!;
    expect(web.get('web2')).toMatchObject({ configuredWeight: 9, state: 'drain' });
    expect(web.get('web3')?.address).toBe('127.0.0.1:9003');
    expect((await api<{ redis: string }>(adminUrl(c), 'GET', '/api/health')).body.redis).toBe('reachable');
  });
});

const LDIF = ['carol', 'dave']
  .map((uid) =>
    [
      `dn: uid=${uid},ou=people,dc=example,dc=org`,
      'objectClass: inetOrgPerson',
      `uid: ${uid}`,
      `cn: ${uid}`,
      `sn: ${uid}`,
      `mail: ${uid}@example.org`,
      `userPassword: ${uid}-secret`,
      '',
    ].join('\n'),
  )
  .join('\n');

/** An IMAP client session through a distributor: logged in, held open until close(). */
async function imapLogin(port: number, user: string, password: string): Promise<{ close(): Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  let buffer = '';
  const waitLine = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = buffer.split('\r\n').find((l) => pattern.test(l));
        if (line === undefined) return;
        socket.off('data', onData);
        socket.off('close', onClose);
        resolve(line);
      };
      const onData = (chunk: Buffer) => {
        buffer += chunk;
        check();
      };
      const onClose = () => reject(new Error(`IMAP connection closed before ${pattern}: ${buffer}`));
      socket.on('data', onData);
      socket.once('close', onClose);
      check();
    });
  socket.once('error', () => {});
  await waitLine(/^\* OK/);
  socket.write(`a1 LOGIN ${user} ${password}\r\n`);
  const reply = await waitLine(/^a1 /);
  if (!reply.startsWith('a1 OK')) throw new Error(`login failed: ${reply}`);
  return {
    async close() {
      socket.write('a2 LOGOUT\r\n');
      await once(socket, 'close');
    },
  };
}

/** Resolves once `instance`'s shared store applied an update of `table` (from another instance) whose key passes `match`. */
function sharedUpdate(instance: Instance, table: string, match: (key: string) => boolean): Promise<void> {
  const store = instance.shared!.store;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      store.off('update', onUpdate);
      reject(new Error(`no update of ${table} within 5 s`));
    }, 5_000);
    const onUpdate = (name: string, key: string) => {
      if (name !== table || !match(key)) return;
      clearTimeout(timer);
      store.off('update', onUpdate);
      resolve();
    };
    store.on('update', onUpdate);
  });
}

describe('three instances agree on placements through Redis', () => {
  let redis: RedisInstance;
  let dir: TempDir;
  const origins: HttpOrigin[] = [];
  const instances: Instance[] = [];
  const nodes: { name: string; imap: number }[] = [];
  const distributors: { instance: Instance; http: string; imap: number; admin: string }[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    dir = await tempDir();
    await writeFile(join(dir.path, 'users.ldif'), LDIF);
    await mkdir(join(dir.path, 'mail'));
    for (const name of ['web1', 'web2', 'web3']) origins.push(await startHttpOrigin({ name }));
    // Two mail nodes over one shared Maildir root.
    for (const name of ['mail1', 'mail2']) {
      const ports = { lmtp: await freePort(), imap: await freePort(), pop3: await freePort() };
      nodes.push({ name, imap: ports.imap });
      instances.push(
        await startInstance(`
directories: { people: { file: ${dir.path}/users.ldif } }
mailstore:
  name: ${name}.example.org
  root: ${dir.path}/mail
  directory: people
  lmtp: 127.0.0.1:${ports.lmtp}
  imap: 127.0.0.1:${ports.imap}
  pop3: 127.0.0.1:${ports.pop3}
`),
      );
    }
    // Three distributors in one cluster. Their configs differ on purpose, so
    // that each one's own choice for a new client differs (web: wrr, the
    // favourite listed first with the highest weight; loc: lblc orders
    // servers by name and takes the first that is ready, so A drains web1
    // and web2, B web1; mail-imap: wlc as web): the instances agree only
    // through the cookie or the tables shared in Redis.
    const cluster = `agree${process.pid}`;
    for (const favourite of [
      { web: 'web3', drain: ['web1', 'web2'], mail: 'mail1' },
      { web: 'web2', drain: ['web1'], mail: 'mail2' },
      { web: 'web1', drain: [], mail: 'mail2' },
    ]) {
      const [http, imap] = [await freePort(), await freePort()];
      const w = (name: string) => (name === favourite.web ? 10 : 1);
      const m = (name: string) => (name === favourite.mail ? 10 : 1);
      const first = <T extends { name: string }>(list: T[], name: string) => [
        ...list.filter((x) => x.name === name),
        ...list.filter((x) => x.name !== name),
      ];
      const servers = first(origins, favourite.web).map(
        (o) => `      - { name: ${o.name}, address: ${o.address}, weight: ${w(o.name)} }`,
      );
      const instance = await startInstance(`
admin: { listen: 127.0.0.1:0 }
state: { redis: ${redis.url}, cluster: ${cluster} }
directories: { people: { file: ${dir.path}/users.ldif } }
pools:
  web:
    scheduler: wrr
    servers:
${servers.join('\n')}
  loc:
    scheduler: lblc
    servers:
${origins
  .map((o) => {
    const drain = favourite.drain.includes(o.name) ? ', state: drain' : '';
    return `      - { name: ${o.name}, address: ${o.address}${drain} }`;
  })
  .join('\n')}
  mail-imap:
    scheduler: wlc
    protocol: imap
    servers:
${first(nodes, favourite.mail)
  .map((n) => `      - { name: ${n.name}, address: 127.0.0.1:${n.imap}, weight: ${m(n.name)} }`)
  .join('\n')}
listeners:
  - name: www
    protocol: http
    listen: 127.0.0.1:${http}
    routes:
      - { pathPrefix: /loc/, pool: loc, key: 'header:x-client' }
      - { pathPrefix: /, pool: web, sticky: { cookie: SRV } }
  - { name: imap, protocol: imap, listen: 127.0.0.1:${imap}, directory: people, pool: mail-imap, limits: { authFailureDelay: 10ms } }
`);
      instances.push(instance);
      distributors.push({ instance, http: `http://127.0.0.1:${http}`, imap, admin: adminUrl(instance) });
    }
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await Promise.all(origins.map((o) => o.stop()));
    await redis?.stop();
    await dir?.remove();
  });

  const servedBy = async (base: string, path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, { headers });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    return { server: res.headers.get('x-served-by'), cookie: res.headers.get('set-cookie') };
  };

  it('an HTTP sticky cookie set by one instance is honoured by the other two', async () => {
    const [a, b, c] = distributors as [
      (typeof distributors)[0],
      (typeof distributors)[0],
      (typeof distributors)[0],
    ];
    const first = await servedBy(a.http, '/app');
    expect(first.server).toBe('web3');
    const cookie = first.cookie!.split(';')[0]!;
    expect(cookie).toMatch(/^SRV=/);
    // Without the cookie B and C pick their own favourites; with it, A's server, every time.
    expect((await servedBy(b.http, '/app')).server).toBe('web2');
    expect((await servedBy(c.http, '/app')).server).toBe('web1');
    for (const d of [b, c])
      for (let i = 0; i < 5; i++) expect((await servedBy(d.http, '/app', { cookie })).server).toBe('web3');
  });

  it('a source/locality placement made on one instance is followed by the other two (lblc on shared tables)', async () => {
    const [a, b, c] = distributors as [
      (typeof distributors)[0],
      (typeof distributors)[0],
      (typeof distributors)[0],
    ];
    for (let i = 0; i < 5; i++) {
      const key = `client-${i}`;
      const arrived = [b, c].map((d) => sharedUpdate(d.instance, 'pool:loc:locality', (k) => k === key));
      expect((await servedBy(a.http, '/loc/x', { 'x-client': key })).server).toBe('web3');
      await Promise.all(arrived);
      for (const d of [b, c])
        expect((await servedBy(d.http, '/loc/x', { 'x-client': key })).server).toBe('web3');
    }
    // A client none has seen yet: B places it (web2), and C, whose own choice is web1, follows.
    expect((await servedBy(c.http, '/loc/x', { 'x-client': 'c-only' })).server).toBe('web1');
    const arrived = sharedUpdate(c.instance, 'pool:loc:locality', (k) => k === 'fresh');
    expect((await servedBy(b.http, '/loc/x', { 'x-client': 'fresh' })).server).toBe('web2');
    await arrived;
    expect((await servedBy(c.http, '/loc/x', { 'x-client': 'fresh' })).server).toBe('web2');
  });

  it('an IMAP user placed by one instance lands on the same mail node through the other two', async () => {
    const [a, b, c] = distributors as [
      (typeof distributors)[0],
      (typeof distributors)[0],
      (typeof distributors)[0],
    ];
    type UserView = { remembered: string | null; listeners: { sessionServers: string[] }[] };
    const user = (d: (typeof distributors)[0]) =>
      api<UserView>(d.admin, 'GET', '/api/mail/users/carol@example.org').then((r) => r.body);
    const arrived = [b, c].map((d) => sharedUpdate(d.instance, 'mail:placements', () => true));
    const onA = await imapLogin(a.imap, 'carol@example.org', 'carol-secret');
    expect((await user(a)).listeners[0]!.sessionServers).toEqual(['mail1']);
    await Promise.all(arrived);
    for (const d of [b, c]) expect((await user(d)).remembered).toBe('mail1');
    // B and C, whose own choice would be mail2, send carol to mail1 as well.
    const sessions = [onA];
    for (const d of [b, c]) {
      sessions.push(await imapLogin(d.imap, 'carol@example.org', 'carol-secret'));
      expect((await user(d)).listeners[0]!.sessionServers).toEqual(['mail1']);
    }
    await Promise.all(sessions.map((s) => s.close()));
    // A user first seen on B goes to B's choice everywhere.
    const daveArrived = [a, c].map((d) => sharedUpdate(d.instance, 'mail:placements', () => true));
    const onB = await imapLogin(b.imap, 'dave@example.org', 'dave-secret');
    await Promise.all(daveArrived);
    const onC = await imapLogin(c.imap, 'dave@example.org', 'dave-secret');
    const dave = await api<UserView>(c.admin, 'GET', '/api/mail/users/dave@example.org');
    expect(dave.body.listeners[0]!.sessionServers).toEqual(['mail2']);
    await Promise.all([onB.close(), onC.close()]);
  });
});

describe('health consensus through full instances', () => {
  let redis: RedisInstance;
  const origins: HttpOrigin[] = [];
  const instances: Instance[] = [];
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await Promise.all(origins.map((o) => o.stop()));
    await redis?.stop();
  });

  it('any: a server one instance sees down is down on both, the admin API shows both verdicts, and nothing flaps', async () => {
    redis = await startRedis();
    // web1 fails /fail and passes /ok: A checks /fail, B /ok, so only A sees web1 down.
    const handler: OriginHandler = (req, res, origin) => {
      res.statusCode = req.url === '/fail' && origin.name === 'web1' ? 503 : 200;
      res.end(origin.name);
    };
    for (const name of ['web1', 'web2']) origins.push(await startHttpOrigin({ name, handler }));
    for (const path of ['/fail', '/ok'])
      instances.push(
        await startInstance(`
admin: { listen: 127.0.0.1:0 }
state: { redis: ${redis.url}, cluster: health${process.pid}, health: any }
pools:
  web:
    scheduler: rr
    servers:
${origins.map((o) => `      - { name: ${o.name}, address: ${o.address} }`).join('\n')}
    health: { check: http, path: ${path}, interval: 50ms, timeout: 1s, rise: 2, fall: 2 }
`),
      );
    const [a, b] = instances as [Instance, Instance];
    const web1 = [a, b].map((i) => i.pools().get('web')!.get('web1')!);
    const transitions: [number, boolean][] = [];
    let checksOnB = 0;
    const onHealth = (m: unknown) => {
      const e = m as HealthEvent;
      const i = web1.indexOf(e.server);
      if (i >= 0) transitions.push([i, e.healthy]);
    };
    const onCheck = (m: unknown) => {
      if ((m as HealthCheckEvent).server === web1[1]) checksOnB++;
    };
    diagnosticsChannel.subscribe('lvs7:health', onHealth);
    diagnosticsChannel.subscribe('lvs7:health:check', onCheck);
    try {
      await waitFor(() => web1.every((s) => !s.healthy), { timeoutMs: 10_000, message: 'web1 down on both' });
      // Twenty more checks on B (ten rise periods), all passing.
      const until = checksOnB + 20;
      await waitFor(() => checksOnB >= until, { timeoutMs: 15_000, message: '20 checks on B' });
      expect(transitions.filter(([i]) => i === 0)).toEqual([[0, false]]);
      expect(transitions.filter(([i]) => i === 1)).toEqual([[1, false]]);
      type Pools = {
        pools: { servers: { name: string; healthy: boolean; localHealthy: boolean | null }[] }[];
      };
      const view = async (i: Instance) =>
        (await api<Pools>(adminUrl(i), 'GET', '/api/pools')).body.pools[0]!.servers.find(
          (s) => s.name === 'web1',
        );
      expect(await view(a)).toMatchObject({ healthy: false, localHealthy: false });
      expect(await view(b)).toMatchObject({ healthy: false, localHealthy: true });
    } finally {
      diagnosticsChannel.unsubscribe('lvs7:health', onHealth);
      diagnosticsChannel.unsubscribe('lvs7:health:check', onCheck);
    }
  }, 60_000);
});

describe('Redis killed and restored under load, through full instances', () => {
  let redis: RedisInstance;
  const origins: HttpOrigin[] = [];
  const instances: Instance[] = [];
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await Promise.all(origins.map((o) => o.stop()));
    await redis?.stop();
  });

  it('serves every request while Redis is gone, and the change made meanwhile reaches the other instance after', async () => {
    redis = await startRedis();
    for (const name of ['web1', 'web2']) origins.push(await startHttpOrigin({ name }));
    const ports: number[] = [];
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      ports.push(port);
      instances.push(
        await startInstance(`
admin: { listen: 127.0.0.1:0 }
state: { redis: ${redis.url}, cluster: outage${process.pid} }
pools:
  web:
    scheduler: lblc
    servers:
${origins.map((o) => `      - { name: ${o.name}, address: ${o.address} }`).join('\n')}
listeners:
  - { name: www, protocol: http, listen: 127.0.0.1:${port}, routes: [ { pathPrefix: /, pool: web, key: 'header:x-client' } ] }
`),
      );
    }
    const [a, b] = instances as [Instance, Instance];
    // Four clients per instance, request after request, until told to stop.
    let running = true;
    let ok = 0;
    const failures: string[] = [];
    const client = async (port: number, id: number) => {
      while (running) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-client': `c${id % 50}` } });
          await res.arrayBuffer();
          if (res.status === 200) ok++;
          else failures.push(`status ${res.status}`);
        } catch (error) {
          failures.push(String(error));
        }
        id += 7;
      }
    };
    const clients = ports.flatMap((port, i) => [0, 1, 2, 3].map((n) => client(port, i * 4 + n)));
    const served = async (more: number) => {
      const target = ok + more;
      await waitFor(() => ok >= target, { timeoutMs: 15_000, message: `${more} more requests served` });
    };
    await served(100);

    const lost = [a, b].map((i) => once(i.shared!, 'unreachable'));
    await redis.stop();
    await Promise.all(lost);
    await served(200);
    // An admin change while Redis is gone: applied on A at once, buffered for the others.
    const patched = await api(adminUrl(a), 'PATCH', '/api/pools/web/servers/web2', { weight: 7 });
    expect(patched.status).toBe(200);
    await served(100);

    const back = [a, b].map((i) => once(i.shared!, 'reachable'));
    await redis.restart();
    await Promise.all(back);
    await waitFor(() => b.pools().get('web')!.get('web2')!.configuredWeight === 7, {
      timeoutMs: 5_000,
      message: "A's change on B",
    });
    await served(200);
    running = false;
    await Promise.all(clients);

    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(600);
    for (const instance of [a, b])
      expect((await api<{ redis: string }>(adminUrl(instance), 'GET', '/api/health')).body.redis).toBe(
        'reachable',
      );
    // The change is in Redis itself again: a new instance starts from it.
    const c = await startInstance(`
admin: { listen: 127.0.0.1:0 }
state: { redis: ${redis.url}, cluster: outage${process.pid} }
pools:
  web:
    scheduler: lblc
    servers:
${origins.map((o) => `      - { name: ${o.name}, address: ${o.address} }`).join('\n')}
`);
    instances.push(c);
    expect(c.pools().get('web')!.get('web2')!.configuredWeight).toBe(7);
  }, 60_000);
});
