import { Writable } from 'node:stream';
import { selfSignedCertificate } from '@lvs7/testkit';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/setup.js';
import { TestClient } from './helpers/smtp-client.js';

function capture() {
  const text: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text.push(chunk.toString('utf8'));
      cb();
    },
  });
  const lines = (msg: string) =>
    text
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === msg);
  return { logger: pino({ level: 'debug' }, stream), text, lines };
}

async function until<T>(fn: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const plain = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`).toString('base64');

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('SMTP access log', () => {
  it('logs each message (sender, recipient count, size, result) and the session at its end', async () => {
    const log = capture();
    h = await startHarness({ accessLog: 'full', logger: log.logger });
    const c = await TestClient.connect(h.port);
    await c.read();
    await c.command('EHLO client.test');
    const body = 'Subject: t\r\n\r\nhello\r\n';
    const r = await c.pipeline([
      'MAIL FROM:<sender@example.net>',
      'RCPT TO:<alice@example.org>',
      'RCPT TO:<a.smith@example.org>',
      'DATA',
    ]);
    expect(r.at(-1)?.code).toBe(354);
    c.write(`${body}.\r\n`);
    expect((await c.read())?.code).toBe(250);
    // A second transaction the backend never gets a message for (RSET).
    await c.command('MAIL FROM:<>');
    await c.command('RSET');
    expect((await c.command('QUIT'))?.code).toBe(221);
    const session = await until(() => log.lines('smtp session')[0]);
    const [message] = log.lines('smtp message');
    expect(message).toMatchObject({
      level: 30,
      listener: 'test',
      session: session.session,
      sender: 'sender@example.net',
      recipients: 1, // the alias is the same mailbox
      result: 'delivered',
      code: 250,
      server: 'mx1',
    });
    expect(message!.size).toBe(body.length + 3);
    expect(session).toMatchObject({
      listener: 'test',
      client: '127.0.0.1',
      helo: 'client.test',
      user: null,
      messages: 1,
      reason: 'quit',
      tls: false,
    });
    expect(session.bytesIn).toBeGreaterThan(body.length);
    expect(session.bytesOut).toBeGreaterThan(50);
    expect(typeof session.durationMs).toBe('number');
  });

  it('names the authenticated user, never the password', async () => {
    const log = capture();
    h = await startHarness({
      accessLog: 'full',
      logger: log.logger,
      tls: selfSignedCertificate(),
      auth: { requireTls: false },
    });
    const c = await TestClient.connect(h.port);
    await c.read();
    await c.command('EHLO client.test');
    expect((await c.command(`AUTH PLAIN ${plain('alice', 'alice-secret')}`))?.code).toBe(235);
    c.close();
    const session = await until(() => log.lines('smtp session')[0]);
    expect(session).toMatchObject({ user: 'alice', reason: 'closed by client', messages: 0 });
    const all = log.text.join('');
    expect(all).not.toContain('alice-secret');
    expect(all).not.toContain(plain('alice', 'alice-secret'));
  });

  it('records the 421 that ended a session, and logs nothing when off', async () => {
    const log = capture();
    h = await startHarness({ accessLog: 'full', logger: log.logger, limits: { maxErrors: 2 } });
    const c = await TestClient.connect(h.port);
    await c.read();
    await c.command('BOGUS');
    await c.command('BOGUS');
    const session = await until(() => log.lines('smtp session')[0]);
    expect(String(session.reason)).toMatch(/^421 /);
    await h.close();
    const quiet = capture();
    h = await startHarness({ logger: quiet.logger });
    const q = await TestClient.connect(h.port);
    await q.read();
    await q.command('QUIT');
    await until(() => (h!.listener.sessions === 0 ? true : undefined));
    expect(quiet.lines('smtp session')).toHaveLength(0);
  });
});
