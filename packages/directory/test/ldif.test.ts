import { describe, expect, it } from 'vitest';
import { LdifSyntaxError } from '../src/errors.js';
import { parseLdif } from '../src/ldif.js';

describe('parseLdif', () => {
  it('parses several entries with comments, continuations and base64 values', () => {
    const text = [
      'version: 1',
      '',
      '# the people',
      '#  continued comment',
      'dn: uid=alice,ou=people,',
      ' dc=example,dc=org',
      'objectClass: inetOrgPerson',
      'UID: alice',
      'mail:   alice@example.org',
      'description: a long',
      '  line',
      'cn:: SsO2cmcgTcO8bGxlcg==',
      'userPassword:: e1NTSEF9YWJj',
      '',
      '',
      'dn:: dWlkPWJvYixvdT1wZW9wbGUsZGM9ZXhhbXBsZSxkYz1vcmc=',
      'changetype: add',
      'uid: bob',
      'mailLocalAddress: robert@example.org',
      'mailLocalAddress: bobby@example.org',
    ].join('\r\n');
    const entries = parseLdif(text);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toEqual({
      dn: 'uid=alice,ou=people,dc=example,dc=org',
      line: 5,
      attributes: {
        objectclass: ['inetOrgPerson'],
        uid: ['alice'],
        mail: ['alice@example.org'],
        description: ['a long line'],
        cn: ['Jörg Müller'],
        userpassword: ['{SSHA}abc'],
      },
    });
    expect(entries[1]!.dn).toBe('uid=bob,ou=people,dc=example,dc=org');
    expect(entries[1]!.attributes).toEqual({
      uid: ['bob'],
      maillocaladdress: ['robert@example.org', 'bobby@example.org'],
    });
  });

  it('accepts an empty file and a file of comments', () => {
    expect(parseLdif('')).toEqual([]);
    expect(parseLdif('# nothing\n\n# here\n')).toEqual([]);
  });

  it('keeps attribute options and empty values', () => {
    const [entry] = parseLdif('dn: cn=x\nuserCertificate;binary:: AAEC\ndescription:\n');
    expect(Object.keys(entry!.attributes)).toEqual(['usercertificate;binary', 'description']);
    expect(entry!.attributes['description']).toEqual(['']);
  });

  it.each([
    ['uid: alice\n', 1, 'expected "dn:"'],
    ['dn: cn=x\nno colon here\n', 2, 'expected "attribute: value"'],
    ['dn: cn=x\nmail:: !!notbase64\n', 2, 'invalid base64'],
    ['dn: cn=x\njpegPhoto:< file:///etc/passwd\n', 2, 'URL values'],
    ['dn: cn=x\nchangetype: delete\n', 2, 'change records'],
    ['dn: cn=x\nuid: a\ndn: cn=y\n', 3, 'missing blank line'],
    ['version: 2\n', 1, 'unsupported LDIF version'],
    ['dn: cn=x\nbad name: y\n', 2, 'invalid attribute name'],
  ])('rejects %j at line %i', (text, line, message) => {
    try {
      parseLdif(text, 'users.ldif');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LdifSyntaxError);
      expect((err as LdifSyntaxError).code).toBe('LVS7_ERR_LDIF_SYNTAX');
      expect((err as LdifSyntaxError).line).toBe(line);
      expect((err as Error).message).toContain(`users.ldif:${line}: ${message}`);
    }
  });
});
