import { afterEach, describe, expect, it } from 'vitest';
import { InvalidMailOptionError } from '../src/errors.js';
import { MailListener } from '../src/mail-listener.js';
import { type Harness, startHarness } from './helpers/harness.js';
import { LineClient } from './helpers/line-client.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('MailListener', () => {
  it('rejects bad options, every problem at once', () => {
    try {
      new MailListener({
        name: 'x',
        protocol: 'smtp' as never,
        listen: 'nope',
        directory: {} as never,
        pool: {} as never,
        limits: { maxLineLength: 10, bogus: 1 } as never,
        sendId: 'yes' as never,
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidMailOptionError);
      expect((error as InvalidMailOptionError).problems).toEqual([
        'protocol: expected one of imap, pop3',
        'listen: invalid address "nope": expected host:port',
        'directory: expected a Directory',
        'pool: expected a Pool',
        'limits.bogus: unknown option',
        'limits.maxLineLength: expected an integer >= 512',
        'sendId: expected one of on, off',
      ]);
    }
  });

  it('closes: clients not logged in are told at once, proxied ones after the drain timeout', async () => {
    h = await startHarness('imap');
    const waiting = await LineClient.connect(h.port);
    await waiting.line();
    const proxied = await LineClient.connect(h.port);
    await proxied.line();
    proxied.send('a LOGIN alice alice-pw');
    await proxied.line();
    expect(
      h.listener
        .sessions()
        .map((s) => s.state)
        .sort(),
    ).toEqual(['pre-auth', 'proxying']);
    const started = Date.now();
    const closed = h.listener.close({ drainTimeoutMs: 300 });
    expect(await waiting.line()).toBe('* BYE [UNAVAILABLE] Server shutting down.');
    proxied.send('b NOOP');
    expect(await proxied.line()).toBe('b OK mail1.example.org NOOP'); // still served while draining
    await closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    await proxied.closedByServer();
    expect(h.pool.mustGet('mail1.example.org').active).toBe(0);
  });

  it('applies reloaded limits to new connections and keeps live sessions', async () => {
    h = await startHarness('imap');
    const live = await LineClient.connect(h.port);
    await live.line();
    live.send('a LOGIN bob bob-pw');
    await live.line();
    const options = {
      name: 'imap',
      protocol: 'imap' as const,
      listen: '127.0.0.1:0',
      directory: h.directory,
      pool: h.pool,
    };
    h.listener.update({ ...options, limits: { maxConnectionsPerIp: 1 } });
    const refused = await LineClient.connect(h.port);
    expect(await refused.line()).toBe('* BYE [UNAVAILABLE] Too many connections.');
    live.send('b NOOP');
    expect(await live.line()).toBe('b OK mail2.example.org NOOP');
    expect(() => h!.listener.update({ ...options, listen: '127.0.0.1:1', protocol: 'pop3' })).toThrow(
      /protocol: cannot change on reload; listen: cannot change on reload/,
    );
    live.close();
    refused.close();
  });
});
