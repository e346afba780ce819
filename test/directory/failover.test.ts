import { createServer, type Server, type Socket } from 'node:net';
import { DirectoryUnavailableError, LdapDirectory, type LdapDirectoryOptions } from '@lvs7/directory';
import { DEMO_USERS, demoUsersLdif, freePort, type SlapdInstance, startSlapd } from '@lvs7/testkit';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const silent = pino({ level: 'silent' });
let first: SlapdInstance;
let second: SlapdInstance;

/** Same users on both servers, but alice's mailHost tells which server answered. */
function ldifFor(host: string): string {
  return demoUsersLdif(DEMO_USERS.map((u) => (u.uid === 'alice' ? { ...u, mailHost: host } : u)));
}

function options(urls: string[], overrides: Partial<LdapDirectoryOptions> = {}): LdapDirectoryOptions {
  return {
    urls,
    bindDN: first.rootDN,
    bindPassword: first.rootPassword,
    baseDN: `ou=people,${first.suffix}`,
    // Every lookup goes to the servers.
    cacheTtl: 0,
    negativeCacheTtl: 0,
    timeout: 1_000,
    ...overrides,
  };
}

/** A TCP server that accepts connections and never answers: an LDAP server that hangs. */
async function blackHole(): Promise<{ url: string; server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `ldap://127.0.0.1:${port}`, server, sockets };
}

beforeAll(async () => {
  [first, second] = await Promise.all([
    startSlapd({ ldif: ldifFor('from-first') }),
    startSlapd({ ldif: ldifFor('from-second') }),
  ]);
});
afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
});

describe('LDAP failover against real slapd instances', () => {
  it('skips a closed port and answers from the next URL', async () => {
    const closed = `ldap://127.0.0.1:${await freePort()}`;
    const dir = new LdapDirectory('people', options([closed, second.url]), silent);
    expect((await dir.lookup('alice'))?.host).toBe('from-second');
    expect(await dir.verifyPassword('alice', 'alice-secret')).toBe(true);
    expect(await dir.verifyPassword('alice', 'wrong')).toBe(false);
    await dir.close();
  });

  it('fails over when the first server hangs (timeout)', async () => {
    const hole = await blackHole();
    const dir = new LdapDirectory('people', options([hole.url, second.url], { timeout: 300 }), silent);
    try {
      const started = Date.now();
      expect((await dir.lookup('alice'))?.host).toBe('from-second');
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(await dir.verifyPassword('bob', 'bob-secret')).toBe(true);
    } finally {
      await dir.close();
      for (const s of hole.sockets) s.destroy();
      hole.server.close();
    }
  });

  it('moves to the second server when the first stops, and back after retryInterval', async () => {
    let time = 0;
    const now = () => time;
    const opts = options([first.url, second.url], { retryInterval: 30_000 });
    const dir = new LdapDirectory('people', opts, silent, { now });
    try {
      expect((await dir.lookup('alice'))?.host).toBe('from-first');
      await first.halt();
      expect((await dir.lookup('alice'))?.host).toBe('from-second');
      expect(await dir.verifyPassword('alice', 'alice-secret')).toBe(true);
      await first.resume();
      // Within retryInterval the failed server is tried last.
      time += 29_999;
      expect((await dir.lookup('alice'))?.host).toBe('from-second');
      time += 1;
      expect((await dir.lookup('alice'))?.host).toBe('from-first');
    } finally {
      await dir.close();
      if (!first.running) await first.resume();
    }
  });

  it('rejects with DirectoryUnavailableError when every server is down', async () => {
    const closed = [`ldap://127.0.0.1:${await freePort()}`, `ldap://127.0.0.1:${await freePort()}`];
    const dir = new LdapDirectory('people', options(closed), silent);
    const err = await dir.lookup('alice').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryUnavailableError);
    expect((err as Error).message).toContain(closed[0]);
    expect((err as Error).message).toContain(closed[1]);
    await expect(dir.verifyPassword('alice', 'alice-secret')).rejects.toBeInstanceOf(
      DirectoryUnavailableError,
    );
    await dir.close();
  });
});
