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

async function connect(port: number, tls = false): Promise<LineClient> {
  const c = await LineClient.connect(port, { tls });
  clients.push(c);
  return c;
}
const plain = (s: string) => Buffer.from(s).toString('base64');

describe('IMAP session', () => {
  it('greets with capabilities and answers pre-login commands', async () => {
    h = await startHarness('imap');
    const c = await connect(h.port);
    expect(await c.line()).toMatch(
      /^\* OK \[CAPABILITY IMAP4rev1 SASL-IR LITERAL\+ ID ENABLE IDLE AUTH=PLAIN\] lvs7 ready\.$/,
    );
    c.send('a CAPABILITY');
    expect(await c.until(/^a /)).toEqual([
      '* CAPABILITY IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE AUTH=PLAIN',
      'a OK Capability completed.',
    ]);
    c.send('b NOOP');
    expect(await c.line()).toBe('b OK NOOP completed.');
    c.send('c ID ("name" "test")');
    expect(await c.until(/^c /)).toEqual(['* ID ("name" "lvs7")', 'c OK ID completed.']);
    c.send('d SELECT INBOX');
    expect(await c.line()).toBe('d BAD Please log in first.');
    c.send('e FROBNICATE');
    expect(await c.line()).toBe('e BAD Unknown command.');
    c.send('f STARTTLS');
    expect(await c.line()).toBe('f BAD TLS is not available.');
    c.send('g LOGOUT');
    expect(await c.until(/^g /)).toEqual(['* BYE Logging out.', 'g OK Logout completed.']);
    await c.closedByServer();
  });

  it('logs in with LOGIN on the directory host, passes the client address, then splices', async () => {
    h = await startHarness('imap');
    const c = await connect(h.port);
    await c.line();
    c.send('a ID ("name" "test-client" "x-originating-ip" "6.6.6.6")');
    await c.until(/^a /);
    c.send('b LOGIN alice alice-pw');
    expect(await c.line()).toBe('b OK [CAPABILITY IMAP4rev1 IDLE MOVE] Logged in at mail1.example.org');
    c.send('c SELECT INBOX');
    expect(await c.line()).toBe('c OK mail1.example.org SELECT INBOX');
    const transcript = h.backends[0]!.transcripts[0]!;
    const id = transcript.find((l) => / ID /.test(l))!;
    expect(id).toContain('"name" "test-client"');
    expect(id).toContain('"x-originating-ip" "127.0.0.1"');
    expect(id).not.toContain('6.6.6.6'); // clients cannot spoof x- fields
    expect(id).toMatch(/"x-originating-port" "\d+"/);
    expect(transcript.some((l) => l.includes('alice-pw'))).toBe(false); // AUTHENTICATE PLAIN, base64
    expect(h.pool.mustGet('mail1.example.org').active).toBe(1);
    c.send('z LOGOUT');
    await c.closedByServer();
    await expect.poll(() => h!.pool.mustGet('mail1.example.org').active).toBe(0);
  });

  it('accepts synchronizing and non-synchronizing literals', async () => {
    h = await startHarness('imap');
    const c = await connect(h.port);
    await c.line();
    c.send('a LOGIN {3}');
    expect(await c.line()).toBe('+ Ready for literal data.');
    c.send(Buffer.from('bob {6+}\r\nbob-pw\r\n'));
    expect(await c.line()).toMatch(/^a OK .*Logged in at mail2\.example\.org$/);
  });

  it('passes pipelined commands after LOGIN to the backend', async () => {
    h = await startHarness('imap');
    const c = await connect(h.port);
    await c.line();
    c.send(Buffer.from('a CAPABILITY\r\nb LOGIN bob bob-pw\r\nc SELECT INBOX\r\nd NOOP\r\n'));
    const lines = await c.until(/^d /);
    expect(lines.slice(-3)).toEqual([
      'b OK [CAPABILITY IMAP4rev1 IDLE MOVE] Logged in at mail2.example.org',
      'c OK mail2.example.org SELECT INBOX',
      'd OK mail2.example.org NOOP',
    ]);
  });

  it('supports AUTHENTICATE PLAIN with SASL-IR, continuation and cancel', async () => {
    h = await startHarness('imap');
    const c = await connect(h.port);
    await c.line();
    c.send('a AUTHENTICATE PLAIN');
    expect(await c.line()).toBe('+ ');
    c.send('*');
    expect(await c.line()).toBe('a BAD Authentication cancelled.');
    c.send('b AUTHENTICATE PLAIN');
    await c.line();
    c.send('not base64!');
    expect(await c.line()).toBe('b BAD Invalid SASL response.');
    c.send('c AUTHENTICATE CRAM-MD5');
    expect(await c.line()).toBe('c NO [CANNOT] Unsupported authentication mechanism.');
    c.send(`d AUTHENTICATE PLAIN ${plain('\0carol\0carol pw')}`);
    expect(await c.line()).toMatch(/^d OK .*Logged in at mail[12]\.example\.org$/);
  });

  it('relays a refused login and lets the client try again', async () => {
    h = await startHarness('imap');
    const c = await connect(h.port);
    await c.line();
    c.send('a LOGIN alice wrong');
    expect(await c.line()).toBe('a NO [AUTHENTICATIONFAILED] Authentication failed.');
    c.send('b LOGIN alice alice-pw');
    expect(await c.line()).toMatch(/^b OK /);
  });

  it('answers unknown users like wrong passwords, after the failure delay', async () => {
    h = await startHarness('imap', { limits: { authFailureDelay: 150 } as never });
    const c = await connect(h.port);
    await c.line();
    const started = Date.now();
    c.send('a LOGIN nobody whatever');
    expect(await c.line()).toBe('a NO [AUTHENTICATIONFAILED] Authentication failed.');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    c.send('b LOGIN nobody whatever'); // doubled for the second failure from this IP
    const second = Date.now();
    await c.line();
    expect(Date.now() - second).toBeGreaterThanOrEqual(290);
  });

  it('says UNAVAILABLE when the directory is down', async () => {
    h = await startHarness('imap');
    h.directory.available = false;
    const c = await connect(h.port);
    await c.line();
    c.send('a LOGIN alice alice-pw');
    expect(await c.line()).toBe('a NO [UNAVAILABLE] Temporary failure, try again later.');
  });

  it('asks the backend for capabilities when its login reply has none', async () => {
    h = await startHarness('imap', {}, { capabilityInLogin: false });
    const c = await connect(h.port);
    await c.line();
    c.send('a LOGIN alice alice-pw');
    expect(await c.until(/^a /)).toEqual([
      '* CAPABILITY IMAP4rev1 SASL-IR ID AUTH=PLAIN',
      'a OK Logged in at mail1.example.org',
    ]);
  });

  it('fails over to the next server when a hashed user’s server refuses connections', async () => {
    h = await startHarness('imap');
    const entry = await h.listener.router.resolve('carol');
    const first = h.listener.router.place(entry).server.name;
    await h.backends.find((b) => b.options.name === first)!.stop();
    const c = await connect(h.port);
    await c.line();
    c.send('a LOGIN carol "carol pw"');
    const reply = await c.line();
    expect(reply).toMatch(/^a OK /);
    expect(reply).not.toContain(first);
    expect(h.listener.router.remembered(entry.mailbox)).not.toBe(first);
  });

  it('does not move a pinned user when their server refuses: temporary failure', async () => {
    h = await startHarness('imap');
    await h.backends[0]!.stop();
    const c = await connect(h.port);
    await c.line();
    c.send('a LOGIN alice alice-pw');
    expect(await c.line()).toBe('a NO [UNAVAILABLE] Temporary failure, try again later.');
  });

  it('closes on a 100 KB line without CRLF', async () => {
    h = await startHarness('imap');
    const c = await connect(h.port);
    await c.line();
    c.send(Buffer.alloc(100 * 1024, 0x61));
    expect(await c.line()).toBe('* BYE Line too long.');
    await c.closedByServer();
    const next = await connect(h.port);
    expect(await next.line()).toMatch(/^\* OK /);
  });

  it('refuses an oversized synchronizing literal but closes on a non-synchronizing one', async () => {
    h = await startHarness('imap', { limits: { maxLineLength: 1024 } as never });
    const c = await connect(h.port);
    await c.line();
    c.send('a LOGIN alice {100000}');
    expect(await c.line()).toBe('a BAD Error in command.');
    c.send('b NOOP');
    expect(await c.line()).toBe('b OK NOOP completed.');
    c.send('c LOGIN alice {100000+}');
    expect(await c.line()).toBe('* BYE Line too long.');
    await c.closedByServer();
  });

  it('disconnects after too many bad commands', async () => {
    h = await startHarness('imap', { limits: { maxBadCommands: 3 } as never });
    const c = await connect(h.port);
    await c.line();
    c.send(Buffer.from('\u0016\u0003\u0001\u0000garbage\r\nx y z\r\n"bad\r\n'));
    const lines = await c.until(/^\* BYE/);
    expect(lines.at(-1)).toBe('* BYE Too many invalid commands.');
    await c.closedByServer();
  });

  it('disconnects a client that never finishes', async () => {
    h = await startHarness('imap', { limits: { preAuthTimeout: 200 } as never });
    const c = await connect(h.port);
    await c.line();
    c.send(Buffer.from('a LOGIN {5}\r\nab'));
    await c.line(); // + Ready
    expect(await c.line()).toBe('* BYE Disconnected for inactivity.');
    await c.closedByServer();
  });

  it('limits connections per client IP', async () => {
    h = await startHarness('imap', { limits: { maxConnectionsPerIp: 2 } as never });
    const a = await connect(h.port);
    const b = await connect(h.port);
    await a.line();
    await b.line();
    const c = await connect(h.port);
    expect(await c.line()).toBe('* BYE [UNAVAILABLE] Too many connections.');
    await c.closedByServer();
    a.close();
    await expect.poll(() => h!.listener.connections).toBe(1);
    const d = await connect(h.port);
    expect(await d.line()).toMatch(/^\* OK /);
  });

  it('does STARTTLS, and with mode required refuses plaintext logins', async () => {
    h = await startHarness('imap', { tls: { ...selfSignedCert(), mode: 'required' } });
    const c = await connect(h.port);
    expect(await c.line()).toContain('STARTTLS LOGINDISABLED');
    c.send('a LOGIN alice alice-pw');
    expect(await c.line()).toBe(
      'a NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure connections.',
    );
    c.send(Buffer.from('b STARTTLS\r\nc INJECTED\r\n'));
    expect(await c.line()).toBe('b OK Begin TLS negotiation now.');
    await c.startTls();
    c.send('d CAPABILITY');
    const caps = await c.until(/^d /);
    expect(caps[0]).toContain('AUTH=PLAIN');
    expect(caps[0]).not.toContain('STARTTLS');
    c.send('e LOGIN alice alice-pw');
    expect(await c.line()).toMatch(/^e OK /);
  });

  it('serves implicit TLS', async () => {
    h = await startHarness('imap', { tls: { ...selfSignedCert(), mode: 'implicit' } });
    const c = await connect(h.port, true);
    expect(await c.line()).toMatch(/^\* OK /);
    c.send('a LOGIN bob bob-pw');
    expect(await c.line()).toMatch(/^a OK .*mail2/);
  });

  it('sends a PROXY protocol header to the backend', async () => {
    h = await startHarness('imap', { proxyProtocol: 'v1', sendId: 'off' });
    const c = await connect(h.port);
    await c.line();
    c.send('a LOGIN alice alice-pw');
    await c.line();
    const transcript = h.backends[0]!.transcripts[0]!;
    expect(transcript[0]).toMatch(/^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 \d+ \d+$/);
    expect(transcript.some((l) => / ID /.test(l))).toBe(false);
  });

  it('closes the client when the backend goes away mid-session', async () => {
    h = await startHarness('imap');
    const c = await connect(h.port);
    await c.line();
    c.send('a LOGIN alice alice-pw');
    await c.line();
    for (const s of h.backends[0]!.sockets) s.destroy();
    await c.closedByServer();
    await expect.poll(() => h!.pool.mustGet('mail1.example.org').active).toBe(0);
  });
});
