import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawClient } from './clients.js';
import { sampleMessage, startTestNode, type TestNode } from './helpers.js';

let t: TestNode;
let c: RawClient;

beforeEach(async () => {
  t = await startTestNode();
  await t.node.deliver('alice@example.org', sampleMessage('first', 'one\r\n.dot line\r\nthree'));
  await t.node.deliver('alice@example.org', sampleMessage('second', 'two'));
  c = await RawClient.connect(t.pop3);
  expect(await c.line()).toBe('+OK mail1.test POP3 ready.');
});
afterEach(async () => {
  c.close();
  await t.stop();
});

async function say(line: string): Promise<string> {
  c.write(`${line}\r\n`);
  return c.line();
}

/** A multi-line answer through the final ".". */
async function multi(line: string): Promise<string> {
  c.write(`${line}\r\n`);
  return c.expect(/\r\n\.\r\n/);
}

describe('POP3', () => {
  it('lists capabilities in both states', async () => {
    const caps = await multi('CAPA');
    expect(caps).toMatch(/^\+OK/);
    for (const cap of ['TOP', 'UIDL', 'USER', 'SASL PLAIN', 'RESP-CODES', 'PIPELINING'])
      expect(caps).toContain(`\r\n${cap}\r\n`);
    expect(caps).not.toContain('STLS'); // no TLS configured
  });

  it('logs in with USER/PASS and serves STAT, LIST, UIDL, RETR, TOP', async () => {
    expect(await say('STAT')).toMatch(/^-ERR/);
    expect(await say('USER alice')).toBe('+OK');
    expect(await say('PASS secret')).toBe('+OK Logged in.');
    const stat = await say('STAT');
    const [, count, size] = /^\+OK (\d+) (\d+)$/.exec(stat)!;
    expect(Number(count)).toBe(2);
    const list = await multi('LIST');
    const sizes = [...list.matchAll(/^(\d) (\d+)$/gm)].map((m) => Number(m[2]));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(Number(size));
    expect(await say('LIST 2')).toBe(`+OK 2 ${sizes[1]}`);
    // Dovecot's UIDL format: uid and UIDVALIDITY in hex.
    expect(await multi('UIDL')).toMatch(/^\+OK\r\n1 00000001[0-9a-f]{8}\r\n2 00000002[0-9a-f]{8}\r\n\.\r\n$/);
    const retr = await multi('RETR 1');
    expect(retr).toMatch(new RegExp(`^\\+OK ${sizes[0]} octets\\r\\n`));
    expect(retr).toContain('\r\n..dot line\r\n'); // dot-stuffed
    expect(retr).toContain('Delivered-To: alice@example.org\r\n');
    const top = await multi('TOP 1 1');
    expect(top).toMatch(/Subject: first\r\n[\s\S]*\r\n\r\none\r\n\.\r\n$/);
    expect(await say('RETR 9')).toMatch(/^-ERR/);
  });

  it('deletes at QUIT, not before; RSET undoes', async () => {
    await say('USER alice');
    await say('PASS secret');
    expect(await say('DELE 1')).toMatch(/^\+OK/);
    expect(await say('DELE 1')).toMatch(/^-ERR/);
    expect(await say('STAT')).toMatch(/^\+OK 1 /);
    expect(await say('RSET')).toBe('+OK');
    expect(await say('STAT')).toMatch(/^\+OK 2 /);
    await say('DELE 2');
    expect(await say('QUIT')).toMatch(/^\+OK/);
    const d = await RawClient.connect(t.pop3);
    await d.line();
    d.write('USER alice\r\nPASS secret\r\nSTAT\r\n');
    await d.line();
    await d.line();
    expect(await d.line()).toMatch(/^\+OK 1 /);
    d.close();
  });

  it('authenticates with AUTH PLAIN, initial response or continuation', async () => {
    const plain = Buffer.from('\0alice\0secret').toString('base64');
    expect(await say(`AUTH PLAIN ${plain}`)).toBe('+OK Logged in.');
    const d = await RawClient.connect(t.pop3);
    await d.line();
    d.write('AUTH PLAIN\r\n');
    expect(await d.line()).toBe('+ ');
    d.write(`${plain}\r\n`);
    expect(await d.line()).toBe('+OK Logged in.');
    d.close();
  });

  it('answers failures with RFC 3206 codes', async () => {
    await say('USER alice');
    expect(await say('PASS wrong')).toBe('-ERR [AUTH] Authentication failed.');
    await say('USER carol');
    expect(await say('PASS secret')).toMatch(/^-ERR \[AUTH\] account "carol@example.org" is disabled/);
    t.directory.down = true;
    await say('USER alice');
    expect(await say('PASS secret')).toMatch(/^-ERR \[SYS\/TEMP\]/);
  });

  it('refuses unknown commands and STLS without TLS', async () => {
    expect(await say('FROB')).toBe('-ERR Unknown command.');
    expect(await say('STLS')).toMatch(/^-ERR TLS is not available/);
  });
});
