import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileDirectory } from '@lvs7/directory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RawClient,
  sampleMessage,
  sendLmtp,
  silentLogger,
  startTestNode,
  type TestNode,
  tempRoot,
} from './helpers.js';

/** The mail node with the LDIF file directory from @lvs7/directory (the attributes an LDAP server would have). */
const LDIF = `dn: uid=alice,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
objectClass: inetLocalMailRecipient
uid: alice
cn: Alice
sn: A
mail: alice@example.org
mailLocalAddress: a.liddell@example.org
mailHost: mail1.test
mailMessageStore: stores/alice
userPassword: secret

dn: uid=bob,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: bob
cn: Bob
sn: B
mail: bob@example.org
mailQuotaSize: 1000
userPassword: {PLAIN}secret

dn: uid=carol,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: carol
cn: Carol
sn: C
mail: carol@example.org
accountStatus: disabled
userPassword: secret
`;

let files: Awaited<ReturnType<typeof tempRoot>>;
let t: TestNode;
beforeAll(async () => {
  files = await tempRoot();
  await writeFile(join(files.path, 'people.ldif'), LDIF);
  const directory = new FileDirectory('people', join(files.path, 'people.ldif'), silentLogger);
  t = await startTestNode({ directory });
});
afterAll(async () => {
  await t?.stop();
  await files?.remove();
});

describe('with the LDIF file directory', () => {
  it('delivers by alias into mailMessageStore, enforces mailQuotaSize and accountStatus', async () => {
    const result = await sendLmtp(
      t.lmtp,
      's@example.net',
      ['a.liddell@example.org', 'bob@example.org', 'carol@example.org'],
      sampleMessage('hello', 'x'.repeat(1200)),
    );
    expect(result.rcpt[2]).toMatch(/^550 5\.1\.1 account "carol@example\.org" is disabled/);
    expect(result.data[0]).toMatch(/^250 2\.6\.0 <a\.liddell@example\.org> 1 Saved/);
    expect(result.data[1]).toMatch(/^552 5\.2\.2/);
    const c = await RawClient.connect(t.imap);
    await c.line();
    expect(await c.command('LOGIN alice secret')).toMatch(/OK/);
    expect(await c.command('STATUS INBOX (MESSAGES)')).toContain('(MESSAGES 1)');
    expect(await c.command('LOGOUT')).toContain('BYE');
    c.close();
    const stored = await import('node:fs/promises').then((fs) =>
      fs.readdir(join(t.root, 'stores', 'alice', 'new')),
    );
    expect(stored).toHaveLength(1);
  });
});
