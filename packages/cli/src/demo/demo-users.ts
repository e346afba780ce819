/** The demo's users (a file directory): alice and bob pinned to a mail node, carol placed by hash. */
export const DEMO_USERS = [
  { uid: 'alice', password: 'alice-secret', host: 'mail1.example.org' },
  { uid: 'bob', password: 'bob-secret', host: 'mail2.example.org' },
  { uid: 'carol', password: 'carol-secret', host: undefined },
] as const;

export function demoUsersLdif(): string {
  return DEMO_USERS.map((u) =>
    [
      `dn: uid=${u.uid},ou=people,dc=example,dc=org`,
      'objectClass: inetOrgPerson',
      'objectClass: inetLocalMailRecipient',
      `uid: ${u.uid}`,
      `cn: ${u.uid}`,
      `sn: ${u.uid}`,
      `mail: ${u.uid}@example.org`,
      `mailLocalAddress: ${u.uid}@example.org`,
      ...(u.host ? [`mailHost: ${u.host}`] : []),
      `userPassword: ${u.password}`,
      '',
    ].join('\n'),
  ).join('\n');
}
