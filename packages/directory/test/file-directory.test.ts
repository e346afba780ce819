import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDirectory } from '../src/create-directory.js';
import { DirectoryUnavailableError, LdifSyntaxError } from '../src/errors.js';
import { FileDirectory } from '../src/file-directory.js';
import { memoryLogger, silent } from './helpers.js';

const USERS = `# test users
dn: dc=example,dc=org
objectClass: dcObject
dc: example

dn: uid=alice,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
objectClass: inetLocalMailRecipient
uid: alice
mail: Alice@Example.org
mailLocalAddress: a.smith@example.org
mailLocalAddress: alice@example.org
mailHost: imap1.example.org
userPassword: alice-secret

dn: uid=carol,ou=people,dc=example,dc=org
uid: carol
mail: carol@example.org
qmailHost: qmail2.example.org
userPassword: {SSHA}fuBsW2c5tH5vvIsUL13A3/bdCGwjt2Mb
userPassword: {CRYPT}abJnggxhB/yWI

dn: uid=dave,ou=people,dc=example,dc=org
uid: dave
mail: dave@example.org
mailRoutingAddress: dave@elsewhere.example.net
mailLocalAddress: shared@example.org

dn: uid=erin,ou=people,dc=example,dc=org
uid: erin
mail: erin@example.org
mailLocalAddress: shared@example.org
`;

describe('FileDirectory', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvs7-dir-test-'));
    file = join(dir, 'users.ldif');
    writeFileSync(file, USERS);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds users by mail, uid and mailLocalAddress, case-insensitively', async () => {
    const users = new FileDirectory('local', file, silent);
    expect(users.size).toBe(4);
    const alice = await users.lookup('ALICE@example.ORG');
    expect(alice).toEqual({
      mailbox: 'Alice@Example.org',
      uid: 'alice',
      host: 'imap1.example.org',
      aliases: ['a.smith@example.org'],
      routingAddress: undefined,
      dn: 'uid=alice,ou=people,dc=example,dc=org',
      attributes: {
        objectclass: ['inetOrgPerson', 'inetLocalMailRecipient'],
        uid: ['alice'],
        mail: ['Alice@Example.org'],
        maillocaladdress: ['a.smith@example.org', 'alice@example.org'],
        mailhost: ['imap1.example.org'],
      },
    });
    expect(await users.lookup('alice')).toBe(alice);
    expect(await users.lookup('a.smith@example.org')).toBe(alice);
    expect((await users.lookup('dave@example.org'))?.routingAddress).toBe('dave@elsewhere.example.net');
    expect((await users.lookup('carol'))?.host).toBeUndefined();
    expect(await users.lookup('nobody@example.org')).toBeUndefined();
    expect(await users.lookup('*')).toBeUndefined();
  });

  it('never exposes userPassword', async () => {
    const users = new FileDirectory('local', file, silent);
    const alice = await users.lookup('alice');
    expect(JSON.stringify(alice)).not.toContain('secret');
  });

  it('takes another host attribute and lookup attributes', async () => {
    const users = new FileDirectory(
      'local',
      { path: file, hostAttribute: 'qmailHost', lookupAttributes: ['uid'] },
      silent,
    );
    expect((await users.lookup('carol'))?.host).toBe('qmail2.example.org');
    expect(await users.lookup('carol@example.org')).toBeUndefined();
  });

  it('treats an address two entries claim as no such user, with a warning', async () => {
    const { logger, lines } = memoryLogger();
    const users = new FileDirectory('local', file, logger);
    expect(await users.lookup('shared@example.org')).toBeUndefined();
    expect(lines.join('')).toMatch(/shared@example.org.*names both/);
    expect(lines.join('')).toMatch(/unsupported \{CRYPT\}/);
  });

  it('checks passwords against every userPassword value', async () => {
    const users = new FileDirectory('local', file, silent);
    expect(await users.verifyPassword('alice', 'alice-secret')).toBe(true);
    expect(await users.verifyPassword('a.smith@example.org', 'alice-secret')).toBe(true);
    expect(await users.verifyPassword('alice', 'alice-secreT')).toBe(false);
    expect(await users.verifyPassword('alice', '')).toBe(false);
    expect(await users.verifyPassword('carol', 'secret')).toBe(true);
    expect(await users.verifyPassword('dave', 'anything')).toBe(false);
    expect(await users.verifyPassword('nobody', 'alice-secret')).toBe(false);
  });

  it('reload() reads the file again and keeps the old contents when it no longer parses', async () => {
    const users = createDirectory('local', { file }, silent);
    writeFileSync(file, `${USERS}\ndn: uid=frank,dc=example,dc=org\nuid: frank\n`);
    await users.reload?.();
    expect(await users.lookup('frank')).toBeDefined();
    writeFileSync(file, 'uid: broken\n');
    await expect(users.reload?.()).rejects.toBeInstanceOf(LdifSyntaxError);
    expect(await users.lookup('frank')).toBeDefined();
  });

  it('fails at creation when the file is missing or broken', () => {
    expect(() => new FileDirectory('local', join(dir, 'missing.ldif'), silent)).toThrow(/ENOENT/);
    writeFileSync(file, 'dn: cn=x\nnot a line\n');
    expect(() => new FileDirectory('local', file, silent)).toThrow(
      /users.ldif:2: expected "attribute: value"/,
    );
  });

  it('rejects lookups after close()', async () => {
    const users = new FileDirectory('local', file, silent);
    await users.close();
    await expect(users.lookup('alice')).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });
});
