import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './clients.js';
import { selfSignedCert, startTestNode, type TestNode } from './helpers.js';

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode({ tls: selfSignedCert() });
});
afterAll(() => t.stop());

describe('STARTTLS and STLS', () => {
  it('upgrades IMAP, dropping plaintext pipelined behind STARTTLS', async () => {
    const c = await RawClient.connect(t.imap);
    expect(await c.line()).toContain('STARTTLS');
    // A command injected after STARTTLS in the same packet must not run inside TLS.
    c.write('A1 STARTTLS\r\nA2 LOGIN alice secret\r\n');
    expect(await c.line()).toBe('A1 OK Begin TLS negotiation now.');
    const s = await c.upgrade();
    expect(await s.command('CAPABILITY')).not.toContain('STARTTLS');
    expect(s.unread).toBe('');
    expect(await s.command('LOGIN alice secret')).toMatch(/OK .*Logged in/);
    expect(await s.command('STARTTLS')).toMatch(/BAD/);
    s.close();
  });

  it('upgrades POP3 with STLS', async () => {
    const c = await RawClient.connect(t.pop3);
    await c.line();
    c.write('STLS\r\n');
    expect(await c.line()).toBe('+OK Begin TLS negotiation now.');
    const s = await c.upgrade();
    s.write('USER alice\r\nPASS secret\r\nSTLS\r\n');
    expect(await s.line()).toBe('+OK');
    expect(await s.line()).toBe('+OK Logged in.');
    expect(await s.line()).toMatch(/^-ERR/);
    s.close();
  });
});
