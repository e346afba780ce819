import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDirectory, type Directory, FileDirectory } from '@lvs7/directory';
import {
  DEMO_USERS,
  demoUsersLdif,
  type SlapdInstance,
  startSlapd,
  type TempDir,
  tempDir,
} from '@lvs7/testkit';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const silent = pino({ level: 'silent' });
let slapd: SlapdInstance;
let dir: TempDir;
let file: Directory;
let ldap: Directory;

beforeAll(async () => {
  const ldif = demoUsersLdif();
  dir = await tempDir('lvs7-dir-file-');
  await writeFile(join(dir.path, 'users.ldif'), ldif);
  slapd = await startSlapd({ ldif });
  file = createDirectory('file', { file: join(dir.path, 'users.ldif') }, silent);
  ldap = createDirectory(
    'ldap',
    {
      ldap: {
        urls: [slapd.url],
        bindDN: slapd.rootDN,
        bindPassword: slapd.rootPassword,
        baseDN: slapd.suffix,
      },
    },
    silent,
  );
});
afterAll(async () => {
  await Promise.all([file?.close(), ldap?.close(), slapd?.stop(), dir?.remove()]);
});

describe('the file directory answers as the LDAP directory does, from the same LDIF', () => {
  const users = DEMO_USERS.flatMap((u) => [u.uid, u.mail!.toUpperCase(), ...(u.mailLocalAddress ?? [])]);

  it.each(users)('lookup(%j)', async (user) => {
    const fromFile = await file.lookup(user);
    const fromLdap = await ldap.lookup(user);
    expect(fromFile).toBeDefined();
    expect(fromFile).toEqual(fromLdap);
  });

  it('agrees on unknown users and injection attempts', async () => {
    for (const user of ['nobody', '*', '*)(uid=*', 'dc=example,dc=org']) {
      expect(await file.lookup(user)).toBeUndefined();
      expect(await ldap.lookup(user)).toBeUndefined();
    }
  });

  it('agrees on passwords', async () => {
    for (const [user, password, expected] of [
      ['alice', 'alice-secret', true],
      ['robert@example.org', 'bob-secret', true],
      ['carol', 'alice-secret', false],
      ['dave', '', false],
    ] as const) {
      expect(await file.verifyPassword(user, password), `${user} file`).toBe(expected);
      expect(await ldap.verifyPassword(user, password), `${user} ldap`).toBe(expected);
    }
  });

  it('is a FileDirectory that reloads', async () => {
    expect(file).toBeInstanceOf(FileDirectory);
    await file.reload?.();
    expect((await file.lookup('alice'))?.host).toBe('imap1.example.org');
  });
});
