import { waitFor } from '@lvs7/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { SmtpListenerRebindError } from '../src/errors.js';
import { type SmtpMessageEvent, smtpMessageChannel } from '../src/stats.js';
import { type Harness, startHarness } from './helpers/setup.js';
import { codes, TestClient } from './helpers/smtp-client.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function session(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  await c.read();
  await c.command('EHLO client.test');
  return c;
}

describe('listener lifecycle', () => {
  it('close(): idle sessions get 421 at once, a transaction in flight finishes first', async () => {
    h = await startHarness();
    const idle = await session(h.port);
    const busy = await session(h.port);
    expect(codes(await busy.pipeline(['MAIL FROM:<>', 'RCPT TO:<alice@example.org>', 'DATA']))).toEqual([
      250, 250, 354,
    ]);
    const closing = h.listener.close({ drainTimeoutMs: 5000 });
    expect((await idle.read())?.code).toBe(421);
    busy.write('Subject: last\r\n\r\nbye\r\n.\r\n');
    expect((await busy.read())?.code).toBe(250);
    expect((await busy.read())?.code).toBe(421);
    await closing;
    expect(h.backends[0]!.messages).toHaveLength(1);
  });

  it('update(): new options for new sessions; the address cannot move', async () => {
    h = await startHarness();
    const old = await session(h.port);
    h.listener.update({
      name: 'test',
      listen: '127.0.0.1:0',
      hostname: 'lvs7.test',
      directory: h.directory,
      pool: h.pool,
      domains: ['example.net'],
    });
    const fresh = await session(h.port);
    expect((await fresh.pipeline(['MAIL FROM:<>', 'RCPT TO:<alice@example.org>']))[1]?.code).toBe(554);
    expect((await old.pipeline(['MAIL FROM:<>', 'RCPT TO:<alice@example.org>']))[1]?.code).toBe(250);
    expect(() =>
      h!.listener.update({
        name: 'test',
        listen: '127.0.0.1:2525',
        directory: h!.directory,
        pool: h!.pool,
        domains: ['example.org'],
      }),
    ).toThrow(SmtpListenerRebindError);
    old.close();
    fresh.close();
  });

  it('times out a silent client between commands (421 4.4.2), but not while a backend works for it', async () => {
    h = await startHarness({ limits: { commandTimeout: 150 } }, { finalDelayMs: 400 });
    const c = await session(h.port);
    expect(codes(await c.pipeline(['MAIL FROM:<>', 'RCPT TO:<alice@example.org>', 'DATA']))).toEqual([
      250, 250, 354,
    ]);
    c.write('Subject: t\r\n\r\nx\r\n.\r\n');
    // The backend takes longer than commandTimeout to give its verdict: the client still gets it.
    expect((await c.read())?.code).toBe(250);
    const r = await c.read(2000);
    expect(`${r?.code} ${r?.enhanced}`).toBe('421 4.4.2');
    await c.closedPromise();
    await waitFor(() => h!.listener.sessions === 0);
  });

  it('counts what happened: messages, recipients, replies, per-backend outcomes, verdict latency', async () => {
    const events: SmtpMessageEvent[] = [];
    const onMessage = (m: unknown) => events.push(m as SmtpMessageEvent);
    smtpMessageChannel.subscribe(onMessage);
    h = await startHarness();
    const c = await session(h.port);
    await c.pipeline([
      'MAIL FROM:<>',
      'RCPT TO:<alice@example.org>',
      'RCPT TO:<nobody@example.org>',
      'RCPT TO:<bob@example.org>',
      'DATA',
    ]);
    c.write('Subject: s\r\n\r\nx\r\n.\r\n');
    await c.read();
    c.close();
    const s = h.listener.stats.snapshot();
    expect(s).toMatchObject({
      connections: 1,
      messages: 1,
      recipients: 1,
      rejectedRecipients: 2,
      replies: { '4xx': 1, '5xx': 1 },
    });
    expect(s.backends['mail/mx1']).toMatchObject({ messages: 1, delivered: 1, recipients: 1 });
    expect(s.verdictLatency.count).toBe(1);
    expect(s.bytes).toBeGreaterThan(10);
    smtpMessageChannel.unsubscribe(onMessage);
    expect(events).toEqual([
      expect.objectContaining({
        listener: 'test',
        pool: 'mail',
        server: 'mx1',
        recipients: 1,
        code: 250,
        outcome: 'delivered',
      }),
    ]);
  });
});
