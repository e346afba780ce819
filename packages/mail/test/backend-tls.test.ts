import { selfSignedCertificate as selfSignedCert } from '@lvs7/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/harness.js';
import { LineClient } from './helpers/line-client.js';

const cert = selfSignedCert();
let h: Harness | undefined;
const clients: LineClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await h?.stop();
  h = undefined;
});

async function login(port: number, command: string, expected: RegExp): Promise<string> {
  const c = await LineClient.connect(port);
  clients.push(c);
  await c.line();
  c.send(command);
  const reply = await c.line();
  expect(reply).toMatch(expected);
  return reply;
}

describe('TLS to backends', () => {
  it('IMAP: STARTTLS to the backend before announcing the client and logging in', async () => {
    h = await startHarness('imap', { backendTls: 'starttls', backendTlsVerify: false }, { tls: cert });
    await login(h.port, 'a LOGIN alice alice-pw', /^a OK .*mail1/);
    const transcript = h.backends[0]!.transcripts[0]!;
    expect(transcript[0]).toMatch(/STARTTLS$/);
    expect(transcript[1]).toBe('(tls)');
    expect(transcript.slice(2).some((l) => / AUTHENTICATE PLAIN /.test(l))).toBe(true);
  });

  it('POP3: STLS to the backend', async () => {
    h = await startHarness('pop3', { backendTls: 'starttls', backendTlsVerify: false }, { tls: cert });
    const c = await LineClient.connect(h.port);
    clients.push(c);
    await c.line();
    c.send('USER bob');
    await c.line();
    c.send('PASS bob-pw');
    expect(await c.line()).toBe('+OK Logged in at mail2.example.org.');
    expect(h.backends[1]!.transcripts[0]!.slice(0, 2)).toEqual(['STLS', '(tls)']);
  });

  it('IMAP: implicit TLS to the backend', async () => {
    h = await startHarness(
      'imap',
      { backendTls: 'implicit', backendTlsVerify: false },
      { tls: { ...cert, implicit: true } },
    );
    await login(h.port, 'a LOGIN bob bob-pw', /^a OK .*mail2/);
  });

  it('refuses a backend whose certificate does not verify: temporary failure', async () => {
    h = await startHarness('imap', { backendTls: 'implicit' }, { tls: { ...cert, implicit: true } });
    await login(h.port, 'a LOGIN alice alice-pw', /^a NO \[UNAVAILABLE\] /);
    expect(h.pool.mustGet('mail1.example.org').active).toBe(0);
  });
});
