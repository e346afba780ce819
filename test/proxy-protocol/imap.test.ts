/**
 * PROXY protocol around the IMAP listener, through the CLI's Instance
 * (config → listener → pool → health checks), against real peers: HAProxy
 * (send-proxy-v2) in front of an lvs7 IMAP listener with acceptProxy, and
 * Dovecot (`haproxy = yes`, haproxy_trusted_networks) behind a pool with
 * sendProxy: v2 and imap health checks. ID is off, so the client address
 * Dovecot logs (rip) can only have come through the PROXY headers.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Instance } from '@lvs7/cli';
import { createHealthProbe, type HealthCheckEvent, healthCheckChannel } from '@lvs7/core';
import { type DovecotInstance, startDovecot, type TempDir, tempDir, waitFor } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstance } from '../foundation/helpers.js';
import { freePort, LineClient, type NginxInstance, startHaproxy } from './peers.js';

let dir: TempDir;
let dovecot: DovecotInstance;
let haproxy: NginxInstance;
let lvs7: Instance;
let haproxyPort: number;
let imapPort: number;
const checks: HealthCheckEvent[] = [];
const onCheck = (message: unknown) => {
  const event = message as HealthCheckEvent;
  if (event.pool === 'imap') checks.push(event);
};
const clients: LineClient[] = [];

beforeAll(async () => {
  diagnosticsChannel.subscribe(healthCheckChannel.name, onCheck);
  dir = await tempDir('lvs7-pp-imap-');
  await writeFile(
    join(dir.path, 'users.ldif'),
    'dn: uid=alice,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nobjectClass: inetLocalMailRecipient\nuid: alice\ncn: alice\nsn: alice\nmail: alice@example.org\nmailHost: mail1.example.org\n',
  );
  dovecot = await startDovecot({
    name: 'mail1',
    mailRoot: join(dir.path, 'mail'),
    users: [{ user: 'alice', password: 'alice-secret' }],
    // No login_trusted_networks: Dovecot would believe nothing but the PROXY header.
    extraConfig: `haproxy_trusted_networks = 127.0.0.0/8
auth_failure_delay = 0
service imap-login {
  inet_listener imap {
    haproxy = yes
  }
}
`,
  });
  imapPort = await freePort();
  lvs7 = await startInstance(`
directories: { people: { file: ${dir.path}/users.ldif } }
pools:
  imap:
    scheduler: mh
    protocol: imap
    sendProxy: v2
    health: { check: imap, interval: 200ms, timeout: 2s, rise: 1, fall: 1 }
    servers:
      - { name: mail1.example.org, address: 127.0.0.1:${dovecot.imapPort} }
listeners:
  - name: imap
    protocol: imap
    listen: 127.0.0.1:${imapPort}
    directory: people
    pool: imap
    acceptProxy: true
    acceptProxyFrom: [127.0.0.1/32]
    sendId: off
`);
  haproxyPort = await freePort();
  haproxy = await startHaproxy(
    `global
  maxconn 100
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend imap
  bind 127.0.0.1:${haproxyPort}
  default_backend lvs7
backend lvs7
  server lvs7 127.0.0.1:${imapPort} send-proxy-v2
`,
    haproxyPort,
  );
});

afterAll(async () => {
  diagnosticsChannel.unsubscribe(healthCheckChannel.name, onCheck);
  for (const c of clients) c.close();
  await haproxy?.stop();
  await lvs7?.stop();
  await dovecot?.stop();
  await dir?.remove();
});

async function login(port: number, from: string): Promise<string> {
  const c = await LineClient.connect(port, from);
  clients.push(c);
  expect(await c.until(/^\* OK .*\r\n/)).toMatch(/^\* OK /);
  c.write('a LOGIN alice alice-secret\r\n');
  const reply = await c.until(/^a (OK|NO|BAD)/m);
  c.write('b LOGOUT\r\n');
  await c.until(/^b OK/m);
  return reply;
}

/** Dovecot's login line for the session: `… Login: user=<alice>, method=…, rip=…, lip=…`. */
async function loginLines(): Promise<string[]> {
  return (await dovecot.log()).split('\n').filter((l) => /imap-login: (Info: )?Login: user=<alice>/.test(l));
}

describe('HAProxy → lvs7 IMAP (acceptProxy) → Dovecot (haproxy = yes) with sendProxy v2', () => {
  it('health checks pass with a LOCAL header', async () => {
    await waitFor(() => checks.filter((c) => c.ok).length >= 2, {
      timeoutMs: 15_000,
      message: 'two passing checks',
    });
    expect(checks.every((c) => c.ok)).toBe(true);
    // The checks' sessions end with no auth attempt, from lvs7's own address: the LOCAL header was accepted.
    await waitFor(async () => /no auth attempts.*rip=127\.0\.0\.1/.test(await dovecot.log()), {
      timeoutMs: 10_000,
      message: 'a check session in the Dovecot log',
    });
    expect(await dovecot.log()).not.toMatch(/haproxy: .*(invalid|failed|timed out)/i);
    // Without the header the same check fails: Dovecot waits for one and never greets.
    const target = { host: '127.0.0.1', port: dovecot.imapPort, name: 'mail1.example.org' };
    await expect(createHealthProbe('imap', {}).check(target, AbortSignal.timeout(1500))).rejects.toThrow();
    expect(
      await createHealthProbe('imap', { sendProxy: 'v1' }).check(target, AbortSignal.timeout(5000)),
    ).toMatch(/^greeting in/);
  });

  it('Dovecot sees the client that connected to HAProxy (127.0.0.5)', async () => {
    expect(await login(haproxyPort, '127.0.0.5')).toMatch(/^a OK /m);
    const line = await waitFor(async () => (await loginLines()).find((l) => l.includes('rip=127.0.0.5')), {
      timeoutMs: 10_000,
      message: 'the login line with rip=127.0.0.5',
    });
    // lip: where the client connected (HAProxy's frontend), carried through both headers.
    expect(line).toContain('lip=127.0.0.1');
  });

  it('a direct client outside acceptProxyFrom is passed on with its own address', async () => {
    expect(await login(imapPort, '127.0.0.6')).toMatch(/^a OK /m);
    await waitFor(async () => (await loginLines()).some((l) => l.includes('rip=127.0.0.6')), {
      timeoutMs: 10_000,
      message: 'the login line with rip=127.0.0.6',
    });
  });

  it('the listener refuses a connection from inside acceptProxyFrom without a header', async () => {
    const c = await LineClient.connect(imapPort, '127.0.0.1');
    clients.push(c);
    c.write('a LOGIN alice alice-secret\r\n');
    expect(await c.closedWith()).toBe('');
  });
});
