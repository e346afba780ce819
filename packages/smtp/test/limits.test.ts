import { waitFor } from '@lvs7/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/setup.js';
import { codes, TestClient } from './helpers/smtp-client.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function session(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  expect((await c.read())?.code).toBe(220);
  await c.command('EHLO client.test');
  return c;
}

describe('limits', () => {
  it('advertises SIZE and refuses a declared oversize message at MAIL (552)', async () => {
    h = await startHarness({ maxMessageSize: 10_000 });
    const c = await TestClient.connect(h.port);
    await c.read();
    expect((await c.command('EHLO client.test'))?.lines).toContain('SIZE 10000');
    const r = await c.command('MAIL FROM:<x@example.net> SIZE=20000');
    expect(`${r?.code} ${r?.enhanced}`).toBe('552 5.3.4');
    c.close();
  });

  it('refuses a message that outgrows the limit (552) and the backend never gets it', async () => {
    h = await startHarness({ maxMessageSize: 10_000 });
    const c = await session(h.port);
    expect(
      codes(await c.pipeline(['MAIL FROM:<x@example.net>', 'RCPT TO:<alice@example.org>', 'DATA'])),
    ).toEqual([250, 250, 354]);
    c.write(`Subject: big\r\n\r\n${`${'y'.repeat(98)}\r\n`.repeat(300)}.\r\n`);
    const r = await c.read();
    expect(`${r?.code} ${r?.enhanced}`).toBe('552 5.3.4');
    expect(h.backends[0]!.messages).toHaveLength(0);
    expect((await c.command('NOOP'))?.code).toBe(250);
    c.close();
  });

  it('caps recipients per message (452 4.5.3)', async () => {
    h = await startHarness({ limits: { maxRecipients: 2 } });
    const c = await session(h.port);
    const r = await c.pipeline([
      'MAIL FROM:<>',
      'RCPT TO:<alice@example.org>',
      'RCPT TO:<carol@example.org>',
      'RCPT TO:<a.smith@example.org>',
    ]);
    expect(r.map((x) => `${x?.code} ${x?.enhanced}`)).toEqual([
      '250 2.1.0',
      '250 2.1.5',
      '250 2.1.5',
      '452 4.5.3',
    ]);
    c.close();
  });

  it('refuses over-long lines (500 5.5.2) and carries on', async () => {
    h = await startHarness({ limits: { maxLineLength: 512 } });
    const c = await session(h.port);
    const r = await c.command(`NOOP ${'x'.repeat(600)}`);
    expect(`${r?.code} ${r?.enhanced}`).toBe('500 5.5.2');
    expect((await c.command('NOOP'))?.code).toBe(250);
    c.close();
  });

  it('disconnects after too many errors (421)', async () => {
    h = await startHarness({ limits: { maxErrors: 3 } });
    const c = await session(h.port);
    const r = await c.pipeline(['BOGUS', 'RCPT TO:<alice@example.org>', 'FOO', 'NOOP']);
    expect(codes(r)).toEqual([500, 503, 500, 421]);
    await c.closedPromise();
  });

  it('disconnects a client that sends too many commands without a transaction (421)', async () => {
    h = await startHarness({ limits: { maxCommandsBeforeMail: 4 } });
    const c = await session(h.port);
    const r = await c.pipeline(['NOOP', 'NOOP', 'RSET', 'VRFY x']);
    expect(codes(r)).toEqual([250, 250, 250, 421]);
    await c.closedPromise();
  });

  it('limits connections per client address (421 at once)', async () => {
    h = await startHarness({ limits: { maxConnectionsPerIp: 2 } });
    const a = await TestClient.connect(h.port);
    const b = await TestClient.connect(h.port);
    expect((await a.read())?.code).toBe(220);
    expect((await b.read())?.code).toBe(220);
    const c = await TestClient.connect(h.port);
    expect(`${(await c.read())?.code}`).toBe('421');
    await c.closedPromise();
    a.close();
    await waitFor(() => h!.listener.sessions === 1);
    const d = await TestClient.connect(h.port);
    expect((await d.read())?.code).toBe(220);
    b.close();
    d.close();
  });

  it('caps the listener’s connections (421 at once)', async () => {
    h = await startHarness({ limits: { maxConnections: 1 } });
    const a = await TestClient.connect(h.port);
    expect((await a.read())?.code).toBe(220);
    const b = await TestClient.connect(h.port);
    expect(`${(await b.read())?.enhanced}`).toBe('4.7.0');
    await b.closedPromise();
    a.close();
  });

  it('times out a client stalled mid-DATA without harming others; nothing is delivered', async () => {
    h = await startHarness({ limits: { dataTimeout: 300 } });
    const stalled = await session(h.port);
    expect(codes(await stalled.pipeline(['MAIL FROM:<>', 'RCPT TO:<alice@example.org>', 'DATA']))).toEqual([
      250, 250, 354,
    ]);
    stalled.write('Subject: half\r\n\r\nno end');
    const other = await session(h.port);
    expect(codes(await other.pipeline(['MAIL FROM:<>', 'RCPT TO:<bob@example.org>', 'DATA']))).toEqual([
      250, 250, 354,
    ]);
    other.write('Subject: whole\r\n\r\nbody\r\n.\r\n');
    expect((await other.read())?.code).toBe(250);
    const r = await stalled.read(2000);
    expect(`${r?.code} ${r?.enhanced}`).toBe('421 4.4.2');
    await stalled.closedPromise();
    expect(h.backends[0]!.messages).toHaveLength(0);
    expect(h.backends[1]!.messages).toHaveLength(1);
    expect(h.pool.get('mx1')!.active).toBe(0);
    other.close();
  });

  it('refuses SMTPUTF8 addresses without the parameter and unknown parameters', async () => {
    h = await startHarness();
    const c = await session(h.port);
    const r = await c.pipeline([
      'MAIL FROM:<jörg@example.net>',
      'MAIL FROM:<x@example.net> FOO=1',
      'MAIL FROM:<jörg@example.net> SMTPUTF8',
      'RCPT TO:<alice@example.org> NOTIFY=NEVER',
    ]);
    expect(r.map((x) => `${x?.code} ${x?.enhanced}`)).toEqual([
      '553 5.6.7',
      '555 5.5.4',
      '250 2.1.0',
      '555 5.5.4',
    ]);
    c.close();
  });

  it('enforces the command order (503) and answers the odd commands', async () => {
    h = await startHarness();
    const c = await TestClient.connect(h.port);
    await c.read();
    const r = await c.pipeline([
      'MAIL FROM:<>',
      'DATA',
      'HELO client.test',
      'MAIL FROM:<>',
      'MAIL FROM:<>',
      'VRFY alice',
      'HELP',
      'RSET',
      'QUIT',
    ]);
    expect(codes(r)).toEqual([503, 503, 250, 250, 503, 252, 214, 250, 221]);
    await c.closedPromise();
  });
});
