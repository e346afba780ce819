/**
 * SMTP pools with sendProxy v1 / v2 to Postfix (`smtpd_upstream_proxy_protocol
 * = haproxy`), through the CLI's Instance with smtp health checks. XCLIENT
 * and XFORWARD are off, so the client address in Postfix's Received line
 * can only have come in the PROXY header.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Instance } from '@lvs7/cli';
import { type HealthCheckEvent, healthCheckChannel } from '@lvs7/core';
import { type PostfixInstance, startPostfix, type TempDir, tempDir, waitFor } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstance } from '../foundation/helpers.js';
import { freePort, LineClient } from './peers.js';

let dir: TempDir;
let postfix: PostfixInstance;
let lvs7: Instance;
const ports = { v1: 0, v2: 0 };
const checks: HealthCheckEvent[] = [];
const onCheck = (message: unknown) => checks.push(message as HealthCheckEvent);

beforeAll(async () => {
  diagnosticsChannel.subscribe(healthCheckChannel.name, onCheck);
  dir = await tempDir('lvs7-pp-smtp-');
  await writeFile(
    join(dir.path, 'users.ldif'),
    'dn: uid=alice,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nobjectClass: inetLocalMailRecipient\nuid: alice\ncn: alice\nsn: alice\nmail: alice@example.org\nmailHost: mx1\n',
  );
  postfix = await startPostfix({
    name: 'mx1',
    mailboxes: ['alice@example.org'],
    proxyProtocol: true,
    xclientHosts: '',
  });
  ports.v1 = await freePort();
  ports.v2 = await freePort();
  const pool = (version: string) => `  mx-${version}:
    scheduler: rr
    protocol: smtp
    sendProxy: ${version}
    health: { check: smtp, interval: 200ms, timeout: 2s, rise: 1, fall: 1 }
    servers: [ { name: mx1, address: ${postfix.address} } ]
`;
  const listener = (version: 'v1' | 'v2') => `  - name: smtp-${version}
    protocol: smtp
    listen: 127.0.0.1:${ports[version]}
    hostname: lvs7.test
    directory: people
    pool: mx-${version}
    domains: [example.org]
    clientInfo: none
`;
  lvs7 = await startInstance(`
directories: { people: { file: ${dir.path}/users.ldif } }
pools:
${pool('v1')}${pool('v2')}listeners:
${listener('v1')}${listener('v2')}`);
});

afterAll(async () => {
  if (process.env['PP_DEBUG']) console.log(await postfix?.log());
  diagnosticsChannel.unsubscribe(healthCheckChannel.name, onCheck);
  await lvs7?.stop();
  await postfix?.stop();
  await dir?.remove();
});

async function send(port: number, from: string, subject: string): Promise<void> {
  const c = await LineClient.connect(port, from);
  try {
    const step = async (line: string | undefined, reply: RegExp) => {
      if (line !== undefined) c.write(`${line}\r\n`);
      expect(await c.until(reply)).toMatch(reply);
    };
    await step(undefined, /^220 [^\r]*\r\n/m);
    await step('EHLO client.test', /^250 [^\r]*\r\n/m);
    await step('MAIL FROM:<bob@example.net>', /^250 /m);
    await step('RCPT TO:<alice@example.org>', /^250 /m);
    await step('DATA', /^354 /m);
    await step(`Subject: ${subject}\r\n\r\nhello\r\n.`, /^250 /m);
    await step('QUIT', /^221 /m);
  } finally {
    c.close();
  }
}

describe('sendProxy to Postfix (smtpd_upstream_proxy_protocol = haproxy)', () => {
  it('health checks (and the start-up capability probe) pass with a LOCAL header', async () => {
    for (const pool of ['mx-v1', 'mx-v2']) {
      await waitFor(() => checks.filter((c) => c.pool === pool && c.ok).length >= 2, {
        timeoutMs: 15_000,
        message: `two passing checks of ${pool}`,
      });
      expect(checks.filter((c) => c.pool === pool).every((c) => c.ok)).toBe(true);
    }
  });

  for (const version of ['v1', 'v2'] as const) {
    it(`Postfix records the client address from the ${version} header`, async () => {
      await send(ports[version], '127.0.0.5', `pp-${version}`);
      const message = await waitFor(
        async () =>
          (await postfix.messages('alice@example.org')).find((m) =>
            m.content.includes(`Subject: pp-${version}`),
          ),
        { timeoutMs: 15_000, message: `delivery of pp-${version}` },
      );
      expect(message.content).toMatch(/Received: from lvs7\.test \(unknown \[127\.0\.0\.5\]\)/);
    });
  }
});
