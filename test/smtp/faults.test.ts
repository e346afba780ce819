import { waitFor } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delivered, type MailCluster, RawClient, startMailCluster } from './helpers.js';

let cluster: MailCluster;
beforeAll(async () => {
  cluster = await startMailCluster();
});
afterAll(async () => {
  await cluster?.close();
});

const line = `${'z'.repeat(76)}\r\n`;

async function begin(rcpt: string): Promise<RawClient> {
  const c = await RawClient.connect(cluster.port);
  expect((await c.command('EHLO raw.test'))?.code).toBe(250);
  expect((await c.command('MAIL FROM:<sender@example.net>'))?.code).toBe(250);
  expect((await c.command(`RCPT TO:<${rcpt}>`))?.code).toBe(250);
  expect((await c.command('DATA'))?.code).toBe(354);
  return c;
}

describe('faults', () => {
  it('a backend killed mid-DATA: the client gets 451 and nothing is half-delivered', async () => {
    const c = await begin('alice@example.org');
    await c.write(`Subject: killed-1\r\n\r\n${line.repeat(3000)}`);
    expect(await cluster.mx[0]!.killSmtpd()).toBeGreaterThan(0);
    await c.write(`${line.repeat(3000)}.\r\n`);
    const verdict = await c.read();
    expect(`${verdict?.code} ${verdict?.enhanced}`).toBe('451 4.4.2');
    // The session goes on, and the retry is delivered (Postfix's master starts a new smtpd).
    expect((await c.command('MAIL FROM:<sender@example.net>'))?.code).toBe(250);
    expect((await c.command('RCPT TO:<alice@example.org>'))?.code).toBe(250);
    expect((await c.command('DATA'))?.code).toBe(354);
    await c.write('Subject: killed-2\r\n\r\nretry\r\n.\r\n');
    expect((await c.read())?.code).toBe(250);
    c.close();
    await waitFor(async () => (await delivered(cluster.mx[0]!, 'killed-2')).length === 1, {
      timeoutMs: 15_000,
      message: 'killed-2 delivered',
    });
    expect(await delivered(cluster.mx[0]!, 'killed-1')).toEqual([]);
    expect(await delivered(cluster.mx[1]!, 'killed-1')).toEqual([]);
    expect(await cluster.mx[0]!.log()).toMatch(/smtpd.*killed by signal 9|lost connection/);
  });

  it('the directory stopped: 451 4.3.0 at RCPT, never 5xx; back when it is', async () => {
    const c = await RawClient.connect(cluster.port);
    await c.command('EHLO raw.test');
    await c.command('MAIL FROM:<sender@example.net>');
    await cluster.slapd.halt();
    try {
      const r = await c.command('RCPT TO:<bob@example.org>');
      expect(`${r?.code} ${r?.enhanced}`).toBe('451 4.3.0');
    } finally {
      await cluster.slapd.resume();
    }
    expect((await c.command('RCPT TO:<bob@example.org>'))?.code).toBe(250);
    c.close();
  });

  it('a stopped backend: an unpinned mailbox goes to the other server, a pinned one gets 451', async () => {
    await cluster.mx[0]!.halt();
    try {
      const c = await RawClient.connect(cluster.port);
      await c.command('EHLO raw.test');
      for (let i = 0; i < 2; i++) {
        await c.command('MAIL FROM:<sender@example.net>');
        expect((await c.command('RCPT TO:<carol@example.org>'))?.code).toBe(250);
        expect((await c.command('RSET'))?.code).toBe(250);
      }
      await c.command('MAIL FROM:<sender@example.net>');
      const pinned = await c.command('RCPT TO:<alice@example.org>');
      expect(`${pinned?.code} ${pinned?.enhanced}`).toBe('451 4.4.1');
      c.close();
    } finally {
      await cluster.mx[0]!.resume();
    }
  });
});
