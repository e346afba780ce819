import { encodeProxyHeader, SmtpListener } from '@lvs7/smtp';
import { waitFor } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  delivered,
  type MailCluster,
  RawClient,
  sendWithPython,
  startMailCluster,
  swaks,
} from './helpers.js';

let cluster: MailCluster;
beforeAll(async () => {
  cluster = await startMailCluster();
});
afterAll(async () => {
  await cluster?.close();
});

/** Waits until Postfix has delivered `count` copies of `subject` over both servers. */
async function settle(subject: string, count: number): Promise<[string[], string[]]> {
  const [mx1, mx2] = cluster.mx;
  await waitFor(
    async () => (await delivered(mx1!, subject)).length + (await delivered(mx2!, subject)).length >= count,
    {
      timeoutMs: 15_000,
      message: `${count} deliveries of ${subject}`,
    },
  );
  // Anything extra (a duplicate) would show up meanwhile too.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return [(await delivered(mx1!, subject)).sort(), (await delivered(mx2!, subject)).sort()];
}

describe('SMTP distributor in front of two Postfix servers', () => {
  it('delivers a message with recipients on both servers exactly once each (smtplib, 452 split)', async () => {
    const result = await sendWithPython(
      cluster.port,
      ['alice@example.org', 'bob@example.org', 'a.smith@example.org', 'erin@example.org'],
      'split-1',
    );
    expect(result.transactions).toEqual([
      {
        accepted: ['alice@example.org', 'a.smith@example.org'],
        refused: { 'bob@example.org': 452, 'erin@example.org': 452 },
      },
      { accepted: ['bob@example.org', 'erin@example.org'], refused: {} },
    ]);
    const [mx1, mx2] = await settle('split-1', 3);
    expect(mx1).toEqual(['alice@example.org']);
    expect(mx2).toEqual(['bob@example.org', 'erin@example.org']);
  });

  it('passes the client on with XCLIENT: Postfix records the client and its HELO', async () => {
    await sendWithPython(cluster.port, ['alice@example.org'], 'xclient-1');
    await settle('xclient-1', 1);
    const [message] = (await cluster.mx[0]!.deliveries()).filter((d) =>
      d.content.includes('Subject: xclient-1'),
    );
    expect(message!.content).toMatch(/Received: from pyclient\.test \(unknown \[127\.0\.0\.1\]\)/);
    // smtplib dot-stuffed the line, Postfix removed the stuffing: the line arrived as it was written.
    expect(message!.content).toContain('Hello from smtplib.\n.leading dot\n');
  });

  it('introduces every client to Postfix by its own address, also over reused connections', async () => {
    const front = new SmtpListener({
      name: 'proxied',
      listen: '127.0.0.1:0',
      hostname: 'lvs7.test',
      directory: cluster.directory,
      pool: cluster.pool,
      domains: ['example.org'],
      acceptProxy: true,
    });
    await front.listen();
    const clients = ['192.0.2.1', '192.0.2.2', '192.0.2.1', '198.51.100.9'];
    try {
      for (const [i, address] of clients.entries()) {
        const header = encodeProxyHeader(
          'v1',
          { address, port: 40_000 + i },
          { address: '127.0.0.1', port: 25 },
        );
        const c = await RawClient.connect(front.address()!.port, header);
        await c.command(`EHLO client${i}.test`);
        await c.command('MAIL FROM:<sender@example.net>');
        expect((await c.command('RCPT TO:<alice@example.org>'))?.code).toBe(250);
        expect((await c.command('DATA'))?.code).toBe(354);
        await c.write(`Subject: introduced-${i}\r\n\r\nhi\r\n.\r\n`);
        expect((await c.read())?.code).toBe(250);
        c.close();
      }
    } finally {
      await front.close({ drainTimeoutMs: 100 });
    }
    for (const [i, address] of clients.entries()) {
      await settle(`introduced-${i}`, 1);
      const [message] = (await cluster.mx[0]!.deliveries()).filter((d) =>
        d.content.includes(`Subject: introduced-${i}\n`),
      );
      expect(message!.content).toContain(`Received: from client${i}.test (unknown [${address}])`);
    }
  });

  it('delivers with swaks, and keeps a mailbox without mailHost on the transaction’s server', async () => {
    const r = await swaks(cluster.port, [
      '--to',
      'bob@example.org,carol@example.org',
      '--header',
      'Subject: swaks-1',
    ]);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/<-\s+250 2\.0\.0 Ok: queued as/);
    const [mx1, mx2] = await settle('swaks-1', 2);
    expect(mx1).toEqual([]);
    expect(mx2).toEqual(['bob@example.org', 'carol@example.org']);
  });

  it('refuses unknown users (550), relaying (554) and oversized messages (552)', async () => {
    const unknown = await swaks(cluster.port, ['--to', 'nobody@example.org']);
    expect(unknown.output).toMatch(/<\*\* 550 5\.1\.1/);
    const relay = await swaks(cluster.port, ['--to', 'victim@example.com']);
    expect(relay.output).toMatch(/<\*\* 554 5\.7\.1/);
    // A second listener with a small limit in front of the same servers.
    const small = new SmtpListener({
      name: 'small',
      listen: '127.0.0.1:0',
      hostname: 'lvs7.test',
      directory: cluster.directory,
      pool: cluster.pool,
      domains: ['example.org'],
      maxMessageSize: 20_000,
    });
    await small.listen();
    try {
      const body = `${'x'.repeat(100)}\n`.repeat(400);
      const big = await swaks(small.address()!.port, [
        '--to',
        'alice@example.org',
        '--header',
        'Subject: big-1',
        '--body',
        body,
      ]);
      expect(big.output).toMatch(/<\*\* 552 5\.3\.4/);
      expect(small.stats.snapshot().outcomes['too-big']).toBe(1);
    } finally {
      await small.close({ drainTimeoutMs: 100 });
    }
    await sendWithPython(cluster.port, ['alice@example.org'], 'after-big');
    await settle('after-big', 1);
    expect(await delivered(cluster.mx[0]!, 'big-1')).toEqual([]);
  });
});
