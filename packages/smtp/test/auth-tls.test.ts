import tls from 'node:tls';
import { Pool } from '@lvs7/core';
import { selfSignedCertificate } from '@lvs7/testkit';
import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeBackend } from './helpers/fake-backend.js';
import { type Harness, startHarness } from './helpers/setup.js';
import { codes, TestClient } from './helpers/smtp-client.js';

let certificate: { cert: string; key: string };
beforeAll(() => {
  certificate = selfSignedCertificate();
});

let h: Harness | undefined;
let relay: FakeBackend | undefined;
afterEach(async () => {
  await h?.close();
  await relay?.stop();
  h = undefined;
  relay = undefined;
});

const plain = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`).toString('base64');
const b64 = (text: string) => Buffer.from(text).toString('base64');

async function withRelay(overrides: Record<string, unknown> = {}): Promise<Harness> {
  relay = await new FakeBackend({ name: 'out1' }).start();
  const relayPool = new Pool('relay', {
    scheduler: 'rr',
    servers: [{ name: 'out1', address: relay.address }],
  });
  return startHarness({ tls: certificate, auth: {}, relayPool, ...overrides });
}

describe('STARTTLS and AUTH', () => {
  it('offers AUTH only after STARTTLS, then relays for the authenticated user through the relay pool', async () => {
    h = await withRelay();
    const c = await TestClient.connect(h.port);
    await c.read();
    const before = await c.command('EHLO client.test');
    expect(before?.lines).toContain('STARTTLS');
    expect(before?.lines).not.toContain('AUTH PLAIN LOGIN');
    expect(`${(await c.command(`AUTH PLAIN ${plain('alice', 'alice-secret')}`))?.code}`).toBe('538');
    expect((await c.command('STARTTLS'))?.code).toBe(220);
    await c.startTls();
    const after = await c.command('EHLO client.test');
    expect(after?.lines).toContain('AUTH PLAIN LOGIN');
    expect(after?.lines).not.toContain('STARTTLS');
    expect(`${(await c.command(`AUTH PLAIN ${plain('alice', 'wrong')}`))?.code}`).toBe('535');
    expect((await c.command('AUTH LOGIN'))?.code).toBe(334);
    expect((await c.command(b64('alice')))?.code).toBe(334);
    expect((await c.command(b64('alice-secret')))?.code).toBe(235);
    const r = await c.pipeline([
      'MAIL FROM:<alice@example.org>',
      'RCPT TO:<friend@example.net>',
      'RCPT TO:<bob@example.org>',
      'DATA',
    ]);
    // The relay pool is another backend than bob's mailbox: 452, he comes in the next transaction.
    expect(codes(r)).toEqual([250, 250, 452, 354]);
    c.write('Subject: out\r\n\r\nhi\r\n.\r\n');
    expect((await c.read())?.code).toBe(250);
    expect(relay!.messages.map((m) => m.recipients)).toEqual([['friend@example.net']]);
    c.close();
  });

  it('never relays without authentication, even over TLS', async () => {
    h = await withRelay();
    const c = await TestClient.connect(h.port);
    await c.read();
    await c.command('EHLO client.test');
    await c.command('STARTTLS');
    await c.startTls();
    await c.command('EHLO client.test');
    const r = await c.pipeline(['MAIL FROM:<alice@example.org>', 'RCPT TO:<friend@example.net>']);
    expect(`${r[1]?.code} ${r[1]?.enhanced}`).toBe('554 5.7.1');
    c.close();
  });

  it('answers 454 when the directory cannot check the password, and cancels with *', async () => {
    h = await withRelay({ auth: { requireTls: false } });
    const c = await TestClient.connect(h.port);
    await c.read();
    expect((await c.command('EHLO client.test'))?.lines).toContain('AUTH PLAIN LOGIN');
    expect((await c.command('AUTH PLAIN'))?.code).toBe(334);
    expect((await c.command('*'))?.code).toBe(501);
    h.directory.down = true;
    expect(`${(await c.command(`AUTH PLAIN ${plain('alice', 'alice-secret')}`))?.code}`).toBe('454');
    c.close();
  });

  it('discards commands pipelined behind STARTTLS (no plaintext injection)', async () => {
    h = await withRelay();
    const c = await TestClient.connect(h.port);
    await c.read();
    await c.command('EHLO client.test');
    c.write('STARTTLS\r\nMAIL FROM:<injected@example.net>\r\n');
    expect((await c.read())?.code).toBe(220);
    await c.startTls();
    expect((await c.command('RCPT TO:<alice@example.org>'))?.code).toBe(503);
    c.close();
  });

  it('speaks implicit TLS from the first byte', async () => {
    h = await startHarness({ tls: { ...certificate, mode: 'implicit' }, auth: {} });
    const socket = tls.connect({ host: '127.0.0.1', port: h.port, rejectUnauthorized: false });
    const greeting = await new Promise<string>((resolve) =>
      socket.once('data', (d: Buffer) => resolve(d.toString())),
    );
    expect(greeting).toMatch(/^220 lvs7\.test ESMTP/);
    socket.write('EHLO client.test\r\n');
    const ehlo = await new Promise<string>((resolve) =>
      socket.once('data', (d: Buffer) => resolve(d.toString())),
    );
    expect(ehlo).toContain('AUTH PLAIN LOGIN');
    expect(ehlo).not.toContain('STARTTLS');
    socket.destroy();
  });

  it('never logs AUTH lines or passwords', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => lines.push(line) });
    h = await withRelay({ auth: { requireTls: false }, logger });
    const c = await TestClient.connect(h.port);
    await c.read();
    await c.command('EHLO client.test');
    await c.command(`AUTH PLAIN ${plain('alice', 'alice-secret')}`);
    await c.command('AUTH LOGIN');
    h.directory.down = true;
    c.close();
    const d = await TestClient.connect(h.port);
    await d.read();
    await d.command('EHLO client.test');
    await d.command('AUTH LOGIN');
    await d.command(b64('bob'));
    await d.command(b64('bob-secret'));
    d.close();
    const all = lines.join('\n');
    for (const secret of ['alice-secret', 'bob-secret', plain('alice', 'alice-secret'), b64('bob-secret')])
      expect(all).not.toContain(secret);
  });
});
