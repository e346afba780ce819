import {
  type Client,
  type ClientOptions,
  InvalidCredentialsError,
  type SearchOptions,
  UnavailableError,
} from 'ldapts';
import { describe, expect, it } from 'vitest';
import { DirectoryUnavailableError } from '../src/errors.js';
import { LdapDirectory } from '../src/ldap-directory.js';
import type { LdapDirectoryOptions } from '../src/options.js';
import { FakeClock, memoryLogger, silent } from './helpers.js';

type Behaviour = 'up' | 'refused' | 'unavailable';

/** Fake ldapts clients: each URL behaves as `servers[url]`; every call is recorded. */
class FakeLdap {
  readonly servers: Record<string, Behaviour> = { 'ldap://a': 'up', 'ldap://b': 'up' };
  readonly calls: string[] = [];
  clients = 0;
  readonly create = (options: ClientOptions): Client => {
    this.clients++;
    const { url } = options;
    const fail = () => {
      const state = this.servers[url];
      if (state === 'refused')
        throw Object.assign(new Error(`connect ECONNREFUSED ${url}`), { code: 'ECONNREFUSED' });
      if (state === 'unavailable') throw new UnavailableError('unavailable');
    };
    const fake = {
      bind: async (dn: string, password: string) => {
        this.calls.push(`bind ${url} ${dn}`);
        fail();
        if (dn.startsWith('uid=') && password !== 'right')
          throw new InvalidCredentialsError('Invalid Credentials');
      },
      search: async (base: string, opts: SearchOptions) => {
        this.calls.push(`search ${url} ${base} ${String(opts.filter)}`);
        fail();
        const f = String(opts.filter);
        if (f.includes('twins'))
          return { searchEntries: [{ dn: 'uid=t1' }, { dn: 'uid=t2' }], searchReferences: [] };
        if (!f.includes('alice')) return { searchEntries: [], searchReferences: [] };
        const entry = {
          dn: 'uid=alice,ou=people',
          mail: 'alice@example.org',
          mailHost: 'imap1',
          uid: ['alice'],
        };
        return { searchEntries: [entry], searchReferences: [] };
      },
      unbind: async () => {
        this.calls.push(`unbind ${url}`);
      },
    };
    return fake as unknown as Client;
  };
}

const base: LdapDirectoryOptions = {
  urls: ['ldap://a', 'ldap://b'],
  bindDN: 'cn=admin',
  bindPassword: 'service-secret',
  baseDN: 'ou=people',
  cacheTtl: 0,
  negativeCacheTtl: 0,
};

function directory(fake: FakeLdap, options: Partial<LdapDirectoryOptions> = {}, clock = new FakeClock()) {
  return new LdapDirectory('people', { ...base, ...options }, silent, {
    createClient: fake.create,
    now: clock.now,
  });
}

describe('LdapDirectory with fake ldapts clients', () => {
  it('binds once per URL and reuses the connection', async () => {
    const fake = new FakeLdap();
    const dir = directory(fake);
    const entry = await dir.lookup('Alice@Example.org');
    expect(entry).toMatchObject({ mailbox: 'alice@example.org', host: 'imap1', uid: 'alice', aliases: [] });
    await dir.lookup('alice@example.org');
    expect(fake.calls.filter((c) => c.startsWith('bind'))).toEqual(['bind ldap://a cn=admin']);
    expect(fake.calls.filter((c) => c.startsWith('search'))).toHaveLength(2);
    expect(fake.calls[1]).toBe(
      'search ldap://a ou=people (|(mail=alice@example.org)(uid=alice@example.org)(mailLocalAddress=alice@example.org))',
    );
  });

  it('fails over to the next URL and tries the failed one last until retryInterval passes', async () => {
    const fake = new FakeLdap();
    const clock = new FakeClock();
    fake.servers['ldap://a'] = 'refused';
    const dir = directory(fake, { retryInterval: 1000 }, clock);
    expect((await dir.lookup('alice'))?.host).toBe('imap1');
    fake.calls.length = 0;
    fake.servers['ldap://a'] = 'up';
    await dir.lookup('alice');
    expect(fake.calls.map((c) => c.split(' ')[1])).toEqual(['ldap://b']);
    clock.advance(1000);
    fake.calls.length = 0;
    await dir.lookup('alice');
    expect(fake.calls).toEqual(['bind ldap://a cn=admin', expect.stringMatching(/^search ldap:\/\/a /)]);
  });

  it('drops a failed connection and binds again on the next use', async () => {
    const fake = new FakeLdap();
    const dir = directory(fake, { urls: ['ldap://a'] });
    await dir.lookup('alice');
    fake.servers['ldap://a'] = 'unavailable';
    await expect(dir.lookup('alice')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    fake.servers['ldap://a'] = 'up';
    fake.calls.length = 0;
    expect(await dir.lookup('alice')).toBeDefined();
    expect(fake.calls[0]).toBe('bind ldap://a cn=admin');
  });

  it('rejects with DirectoryUnavailableError naming every URL when all fail', async () => {
    const fake = new FakeLdap();
    fake.servers['ldap://a'] = 'refused';
    fake.servers['ldap://b'] = 'unavailable';
    const err = await directory(fake)
      .lookup('alice')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryUnavailableError);
    expect((err as Error).message).toMatch(/ldap:\/\/a: .*ECONNREFUSED.*; ldap:\/\/b: /);
  });

  it('treats several matching entries as no such user', async () => {
    const dir = directory(new FakeLdap());
    expect(await dir.lookup('twins')).toBeUndefined();
  });

  it('checks passwords by binding as the user on a separate connection', async () => {
    const fake = new FakeLdap();
    const dir = directory(fake);
    expect(await dir.verifyPassword('alice', 'right')).toBe(true);
    expect(await dir.verifyPassword('alice', 'wrong')).toBe(false);
    expect(await dir.verifyPassword('nobody', 'right')).toBe(false);
    const userBinds = fake.calls.filter((c) => c.startsWith('bind') && c.includes('uid=alice'));
    expect(userBinds).toHaveLength(2);
    // One service client plus one per password check.
    expect(fake.clients).toBe(3);
  });

  it('refuses an empty password without asking the server (RFC 4513 unauthenticated bind)', async () => {
    const fake = new FakeLdap();
    expect(await directory(fake).verifyPassword('alice', '')).toBe(false);
    expect(fake.calls).toEqual([]);
  });

  it('fails over a password check too, and reports unavailability', async () => {
    const fake = new FakeLdap();
    const dir = directory(fake, { cacheTtl: 60_000 });
    await dir.lookup('alice');
    fake.servers['ldap://a'] = 'refused';
    expect(await dir.verifyPassword('alice', 'right')).toBe(true);
    fake.servers['ldap://b'] = 'refused';
    await expect(dir.verifyPassword('alice', 'right')).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });

  it('never logs the bind password or user passwords', async () => {
    const fake = new FakeLdap();
    fake.servers['ldap://a'] = 'refused';
    const { logger, lines } = memoryLogger();
    const dir = new LdapDirectory('people', base, logger, { createClient: fake.create });
    await dir.lookup('alice');
    await dir.verifyPassword('alice', 'right');
    await dir.verifyPassword('alice', 'wrong-pass');
    expect(lines.length).toBeGreaterThan(0);
    const all = lines.join('');
    expect(all).not.toContain('service-secret');
    expect(all).not.toContain('wrong-pass');
    expect(JSON.stringify(dir.options)).not.toContain('service-secret');
  });

  it('closes its connections', async () => {
    const fake = new FakeLdap();
    const dir = directory(fake);
    await dir.lookup('alice');
    await dir.close();
    expect(fake.calls.at(-1)).toBe('unbind ldap://a');
    await expect(dir.lookup('alice')).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });
});
