import { selfSignedCertificate as selfSignedCert } from '@lvs7/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/harness.js';
import { LineClient } from './helpers/line-client.js';

let h: Harness | undefined;
const clients: LineClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await h?.stop();
  h = undefined;
});

async function connect(port: number): Promise<LineClient> {
  const c = await LineClient.connect(port);
  clients.push(c);
  return c;
}
const plain = (s: string) => Buffer.from(s).toString('base64');

describe('POP3 session', () => {
  it('greets, lists capabilities and refuses transaction commands before login', async () => {
    h = await startHarness('pop3');
    const c = await connect(h.port);
    expect(await c.line()).toBe('+OK lvs7 ready.');
    c.send('CAPA');
    expect(await c.until(/^\.$/)).toEqual([
      '+OK Capability list follows',
      'CAPA',
      'TOP',
      'UIDL',
      'RESP-CODES',
      'AUTH-RESP-CODE',
      'PIPELINING',
      'USER',
      'SASL PLAIN',
      '.',
    ]);
    c.send('AUTH');
    expect(await c.until(/^\.$/)).toEqual(['+OK', 'PLAIN', '.']);
    c.send('NOOP');
    expect(await c.line()).toBe('+OK');
    c.send('STAT');
    expect(await c.line()).toBe('-ERR Please log in first.');
    c.send('PASS nothing');
    expect(await c.line()).toBe('-ERR Error in command.');
    c.send('QUIT');
    expect(await c.line()).toBe('+OK Logging out.');
    await c.closedByServer();
  });

  it('logs in with USER/PASS (spaces kept), announces the client with XCLIENT, then splices', async () => {
    h = await startHarness('pop3');
    const c = await connect(h.port);
    await c.line();
    c.send('USER carol');
    expect(await c.line()).toBe('+OK');
    c.send('PASS carol pw');
    const reply = await c.line();
    expect(reply).toMatch(/^\+OK Logged in at (mail[12]\.example\.org)\.$/);
    const server = /at (\S+)\.$/.exec(reply)![1]!;
    c.send('STAT');
    expect(await c.line()).toBe(`+OK ${server} STAT`);
    const backend = h.backends.find((b) => b.options.name === server)!;
    expect(backend.transcripts[0]![0]).toMatch(/^XCLIENT ADDR=127\.0\.0\.1 PORT=\d+ SESSION=\S+$/);
  });

  it('supports AUTH PLAIN with an initial response and with the continuation', async () => {
    h = await startHarness('pop3');
    const c = await connect(h.port);
    await c.line();
    c.send('AUTH PLAIN');
    expect(await c.line()).toBe('+ ');
    c.send('*');
    expect(await c.line()).toBe('-ERR Authentication cancelled.');
    c.send('AUTH PLAIN');
    await c.line();
    c.send(plain('\0bob\0bob-pw'));
    expect(await c.line()).toBe('+OK Logged in at mail2.example.org.');
  });

  it('relays the backend refusing a login, and hides unknown users the same way', async () => {
    h = await startHarness('pop3');
    const c = await connect(h.port);
    await c.line();
    c.send(`AUTH PLAIN ${plain('\0alice\0nope')}`);
    expect(await c.line()).toBe('-ERR [AUTH] Authentication failed.');
    c.send('USER nobody');
    expect(await c.line()).toBe('+OK');
    c.send('PASS x');
    expect(await c.line()).toBe('-ERR [AUTH] Authentication failed.');
    h.directory.available = false;
    c.send('USER alice');
    await c.line();
    c.send('PASS alice-pw');
    expect(await c.line()).toBe('-ERR [SYS/TEMP] Temporary failure, try again later.');
  });

  it('passes pipelined commands after PASS to the backend', async () => {
    h = await startHarness('pop3');
    const c = await connect(h.port);
    await c.line();
    c.send(Buffer.from('USER alice\r\nPASS alice-pw\r\nSTAT\r\nLIST\r\n'));
    expect(await c.until(/LIST$/)).toEqual([
      '+OK',
      '+OK Logged in at mail1.example.org.',
      '+OK mail1.example.org STAT',
      '+OK mail1.example.org LIST',
    ]);
  });

  it('closes on oversized lines and too many bad commands', async () => {
    h = await startHarness('pop3', { limits: { maxBadCommands: 2 } as never });
    const c = await connect(h.port);
    await c.line();
    c.send(Buffer.alloc(64 * 1024, 0x41));
    expect(await c.line()).toBe('-ERR Line too long.');
    await c.closedByServer();
    const d = await connect(h.port);
    await d.line();
    d.send(Buffer.from('\u0000\u0001\r\nBLAH\r\n'));
    expect(await d.until(/many/)).toEqual(['-ERR Unknown command.', '-ERR Too many invalid commands.']);
    await d.closedByServer();
  });

  it('does STLS and refuses plaintext logins when TLS is required', async () => {
    h = await startHarness('pop3', { tls: { ...selfSignedCert(), mode: 'required' } });
    const c = await connect(h.port);
    await c.line();
    c.send('CAPA');
    const caps = await c.until(/^\.$/);
    expect(caps).toContain('STLS');
    expect(caps).not.toContain('USER');
    c.send('USER alice');
    expect(await c.line()).toBe('-ERR [AUTH] Plaintext authentication disallowed on non-secure connections.');
    c.send('STLS');
    expect(await c.line()).toBe('+OK Begin TLS negotiation now.');
    await c.startTls();
    c.send('USER alice');
    expect(await c.line()).toBe('+OK');
    c.send('PASS alice-pw');
    expect(await c.line()).toBe('+OK Logged in at mail1.example.org.');
  });
});
