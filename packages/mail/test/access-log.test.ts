import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/harness.js';
import { LineClient } from './helpers/line-client.js';

/** A pino logger at debug whose every output line is kept (raw text and parsed). */
function capture() {
  const text: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  const lines = () =>
    text
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, text, lines, sessions: () => lines().filter((l) => l.msg === 'mail session') };
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

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('mail access log', () => {
  it('writes one line per IMAP session: client, user, server, result, bytes, duration, session id; no password', async () => {
    const log = capture();
    h = await startHarness('imap', { accessLog: 'full', logger: log.logger });
    const c = await LineClient.connect(h.port);
    await c.line();
    c.send('a LOGIN alice alice-pw');
    expect(await c.line()).toMatch(/^a OK/);
    c.send('b NOOP');
    await c.line();
    const id = h.listener.sessions()[0]!.id;
    c.send('c LOGOUT');
    await c.closedByServer();
    const line = await until(() => log.sessions().find((l) => l.session === id));
    expect(line).toMatchObject({
      level: 30,
      listener: 'imap',
      protocol: 'imap',
      session: id,
      cid: id,
      client: '127.0.0.1',
      user: 'alice',
      mailbox: 'alice@example.org',
      server: 'mail1.example.org',
      result: 'proxied',
      reason: 'closed by backend',
      tls: false,
    });
    expect(line.bytesIn).toBeGreaterThan('a LOGIN alice alice-pw\r\nb NOOP\r\nc LOGOUT\r\n'.length - 1);
    expect(line.bytesOut).toBeGreaterThan(20);
    expect(typeof line.durationMs).toBe('number');
    expect(log.sessions()).toHaveLength(1);
    expect(log.text.join('')).not.toContain('alice-pw');
  });

  it('logs failed logins (user, reason) without the password, POP3 too', async () => {
    const log = capture();
    h = await startHarness('pop3', { accessLog: 'full', logger: log.logger });
    const c = await LineClient.connect(h.port);
    await c.line();
    c.send('USER bob');
    await c.line();
    c.send('PASS wrong-secret-xyz');
    expect(await c.line()).toMatch(/^-ERR/);
    c.send('QUIT');
    await c.closedByServer();
    const line = await until(() => log.sessions()[0]);
    expect(line).toMatchObject({
      protocol: 'pop3',
      user: 'bob',
      server: null,
      result: 'login-failed',
    });
    expect(String(line.reason)).not.toBe('');
    expect(log.text.join('')).not.toContain('wrong-secret-xyz');
  });

  it('says why a session ended before login', async () => {
    const log = capture();
    h = await startHarness('imap', { accessLog: 'full', logger: log.logger, limits: { maxBadCommands: 2 } });
    const c = await LineClient.connect(h.port);
    await c.line();
    c.send('a BOGUS');
    c.send('b BOGUS');
    await c.closedByServer();
    const line = await until(() => log.sessions()[0]);
    expect(line).toMatchObject({ result: 'no-login', user: null, reason: 'LVS7_MAIL_TOO_MANY_BAD_COMMANDS' });
  });

  it('writes nothing when off (the default), and 1 session in 100 when sampled', async () => {
    const log = capture();
    h = await startHarness('imap', { logger: log.logger });
    const c = await LineClient.connect(h.port);
    await c.line();
    c.send('a LOGOUT');
    await c.closedByServer();
    await until(() => (h!.listener.connections === 0 ? true : undefined));
    expect(log.sessions()).toHaveLength(0);
    await h.stop();
    const sampledLog = capture();
    h = await startHarness('imap', { accessLog: 'sampled', logger: sampledLog.logger });
    for (let i = 0; i < 100; i++) {
      const s = await LineClient.connect(h.port);
      await s.line();
      s.close();
    }
    await until(() => (h!.listener.connections === 0 ? true : undefined));
    expect(sampledLog.sessions()).toHaveLength(1);
  });
});
