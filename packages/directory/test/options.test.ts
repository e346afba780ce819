import { describe, expect, it } from 'vitest';
import { createDirectory } from '../src/create-directory.js';
import { InvalidDirectoryOptionError } from '../src/errors.js';
import { LdapDirectory } from '../src/ldap-directory.js';
import { DIRECTORY_DEFAULTS, type LdapDirectoryOptions, resolveLdapOptions } from '../src/options.js';
import { silent } from './helpers.js';

const good: LdapDirectoryOptions = {
  urls: ['ldap://127.0.0.1:3389', 'ldaps://ldap.example.org:636/'],
  bindDN: 'cn=admin,dc=example,dc=org',
  bindPassword: 'secret',
  baseDN: 'ou=people,dc=example,dc=org',
};

function problems(options: unknown): string[] {
  try {
    resolveLdapOptions('people', options as LdapDirectoryOptions);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidDirectoryOptionError);
    expect((err as InvalidDirectoryOptionError).code).toBe('LVS7_ERR_INVALID_DIRECTORY_OPTION');
    return (err as InvalidDirectoryOptionError).problems.map(([option]) => option);
  }
}

describe('LDAP options', () => {
  it('fills in the defaults', () => {
    const resolved = resolveLdapOptions('people', good);
    expect(resolved).toMatchObject({
      filter: DIRECTORY_DEFAULTS.filter,
      hostAttribute: 'mailHost',
      cacheTtl: 60_000,
      negativeCacheTtl: 10_000,
      cacheSize: 10_000,
      timeout: 5_000,
      retryInterval: 30_000,
    });
  });

  it('reports every problem together', () => {
    expect(
      problems({
        urls: ['http://x'],
        baseDN: '',
        bindDN: 'cn=admin',
        filter: '(uid=alice)',
        cacheTtl: -1,
        timeout: 0,
        bindPasword: 'typo',
      }),
    ).toEqual(['bindPasword', 'urls', 'baseDN', 'bindDN', 'filter', 'cacheTtl', 'timeout']);
  });

  it('refuses filters that do not parse or have no placeholder', () => {
    expect(problems({ ...good, filter: '(|(mail={user})' })).toEqual(['filter']);
    expect(problems({ ...good, filter: '(mail=fixed)' })).toEqual(['filter']);
    expect(problems({ ...good, filter: '(&(uid={local})(o={domain}))' })).toEqual([]);
  });

  it('refuses an empty bind password', () => {
    expect(problems({ ...good, bindPassword: '' })).toEqual(['bindPassword']);
  });

  it('never shows the bind password in errors or options', () => {
    try {
      resolveLdapOptions('people', { ...good, urls: [] });
    } catch (err) {
      expect((err as Error).message).not.toContain('secret');
    }
    const dir = new LdapDirectory('people', good, silent);
    expect(JSON.stringify(dir.options)).not.toContain('"secret"');
  });
});

describe('createDirectory', () => {
  it('makes an LDAP directory without connecting', async () => {
    const dir = createDirectory('people', { ldap: good }, silent);
    expect(dir).toBeInstanceOf(LdapDirectory);
    expect(dir.name).toBe('people');
    await dir.close();
  });

  it('refuses both or neither of ldap and file', () => {
    expect(() => createDirectory('x', { ldap: good, file: 'a.ldif' }, silent)).toThrow(/not both/);
    expect(() => createDirectory('x', {}, silent)).toThrow(InvalidDirectoryOptionError);
  });
});
