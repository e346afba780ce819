import { Writable } from 'node:stream';
import {
  createDirectory,
  DirectoryUnavailableError,
  LdapDirectory,
  type LdapDirectoryOptions,
} from '@lvs7/directory';
import { demoUsersLdif, type SlapdInstance, startSlapd } from '@lvs7/testkit';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const silent = pino({ level: 'silent' });
let slapd: SlapdInstance;

function options(overrides: Partial<LdapDirectoryOptions> = {}): LdapDirectoryOptions {
  return {
    urls: [slapd.url],
    bindDN: slapd.rootDN,
    bindPassword: slapd.rootPassword,
    baseDN: `ou=people,${slapd.suffix}`,
    timeout: 2_000,
    ...overrides,
  };
}

beforeAll(async () => {
  slapd = await startSlapd({ ldif: demoUsersLdif() });
});
afterAll(() => slapd?.stop());

describe('LDAP directory against a real slapd', () => {
  it('finds users by mail, uid and mailLocalAddress, case-insensitively', async () => {
    const people = createDirectory('people', { ldap: options() }, silent);
    try {
      const alice = await people.lookup('alice@example.org');
      expect(alice).toMatchObject({
        mailbox: 'alice@example.org',
        uid: 'alice',
        host: 'imap1.example.org',
        aliases: ['a.smith@example.org', 'postmaster@example.org'],
        dn: 'uid=alice,ou=people,dc=example,dc=org',
      });
      expect(alice?.attributes['cn']).toEqual(['Alice Smith']);
      expect(alice?.attributes).not.toHaveProperty('userpassword');
      expect((await people.lookup('alice'))?.dn).toBe(alice?.dn);
      expect((await people.lookup('Postmaster@EXAMPLE.org'))?.dn).toBe(alice?.dn);
      expect(await people.lookup('bob@example.org')).toMatchObject({
        mailbox: 'Bob@Example.org',
        host: 'imap2.example.org',
      });
      expect(await people.lookup('ROBERT@example.org')).toMatchObject({ uid: 'bob' });
    } finally {
      await people.close();
    }
  });

  it('reports the host attribute, a missing host and mailRoutingAddress', async () => {
    const people = createDirectory('people', { ldap: options() }, silent);
    expect((await people.lookup('carol'))?.host).toBeUndefined();
    expect(await people.lookup('dave@example.org')).toMatchObject({
      host: 'mx.example.net',
      routingAddress: 'dave@elsewhere.example.net',
    });
    const byCn = createDirectory('cn-host', { ldap: options({ hostAttribute: 'cn' }) }, silent);
    expect((await byCn.lookup('carol'))?.host).toBe('Carol White');
    await Promise.all([people.close(), byCn.close()]);
  });

  it('resolves undefined for unknown users and for filter injection attempts', async () => {
    const people = createDirectory('people', { ldap: options() }, silent);
    for (const user of [
      'nobody@example.org',
      '*',
      '*)(uid=*',
      'alice)(|(uid=*',
      '*)(|(objectClass=*)',
      'ali*',
      'a*e@example.org',
      'car*',
      '\\2a',
      'alice\0',
      ')(mail=alice@example.org',
      'alice@example.org)(uid=alice',
    ]) {
      expect(await people.lookup(user), user).toBeUndefined();
    }
    await people.close();
  });

  it('serves cached entries while slapd is down; uncached users are unavailable, never "unknown"', async () => {
    const own = await startSlapd({ ldif: demoUsersLdif() });
    const dir = new LdapDirectory('own', { ...options(), urls: [own.url], timeout: 1_000 }, silent);
    try {
      const alice = await dir.lookup('alice');
      expect(await dir.lookup('nobody')).toBeUndefined();
      await own.halt();
      expect(await dir.lookup('ALICE')).toBe(alice);
      expect(await dir.lookup('nobody')).toBeUndefined();
      const err = await dir.lookup('bob').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DirectoryUnavailableError);
      expect(err).toMatchObject({ code: 'LVS7_ERR_DIRECTORY_UNAVAILABLE' });
      await expect(dir.verifyPassword('bob', 'bob-secret')).rejects.toBeInstanceOf(DirectoryUnavailableError);
      await own.resume();
      // A new connection and a new service bind, without restarting lvs7.
      expect((await dir.lookup('bob'))?.uid).toBe('bob');
      expect(dir.stats.hits).toBe(2);
    } finally {
      await Promise.all([dir.close(), own.stop()]);
    }
  });

  it('checks passwords by binding as the user', async () => {
    const people = createDirectory('people', { ldap: options() }, silent);
    expect(await people.verifyPassword('alice', 'alice-secret')).toBe(true);
    expect(await people.verifyPassword('a.smith@example.org', 'alice-secret')).toBe(true);
    expect(await people.verifyPassword('alice', 'bob-secret')).toBe(false);
    expect(await people.verifyPassword('alice', 'alice-secret ')).toBe(false);
    expect(await people.verifyPassword('alice', '')).toBe(false);
    expect(await people.verifyPassword('nobody', 'alice-secret')).toBe(false);
    expect(await people.verifyPassword('*', 'alice-secret')).toBe(false);
    await people.close();
  });

  it('works with an anonymous service connection', async () => {
    const people = createDirectory(
      'anon',
      { ldap: options({ bindDN: undefined, bindPassword: undefined }) },
      silent,
    );
    expect((await people.lookup('bob'))?.host).toBe('imap2.example.org');
    expect(await people.verifyPassword('bob', 'bob-secret')).toBe(true);
    await people.close();
  });

  it('is unavailable (not "no such user") when the service bind is refused', async () => {
    const people = createDirectory('people', { ldap: options({ bindPassword: 'wrong' }) }, silent);
    await expect(people.lookup('alice')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await people.close();
  });

  it('logs no passwords at debug level', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    const people = createDirectory(
      'people',
      { ldap: options({ urls: ['ldap://127.0.0.1:1', slapd.url] }) },
      logger,
    );
    await people.lookup('alice');
    await people.verifyPassword('alice', 'alice-secret');
    await people.verifyPassword('alice', 'not-alices');
    await people.close();
    const text = lines.join('');
    expect(text).toContain('directory lookup');
    expect(text).not.toContain(slapd.rootPassword);
    expect(text).not.toContain('alice-secret');
    expect(text).not.toContain('not-alices');
  });
});
