import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crypt } from '../src/password/crypt.js';
import { checkPassword, isSupportedPassword, passwordScheme } from '../src/password/verify.js';

function salted(scheme: string, algorithm: string, password: string, salt: Buffer): string {
  const digest = createHash(algorithm).update(password).update(salt).digest();
  return `{${scheme}}${Buffer.concat([digest, salt]).toString('base64')}`;
}

function plain(scheme: string, algorithm: string, password: string): string {
  return `{${scheme}}${createHash(algorithm).update(password).digest('base64')}`;
}

describe('checkPassword', () => {
  const salt = Buffer.from('s4lt!x09', 'latin1');

  it.each([
    ['SSHA', 'sha1'],
    ['SSHA256', 'sha256'],
    ['SSHA384', 'sha384'],
    ['SSHA512', 'sha512'],
    ['SMD5', 'md5'],
  ])('checks {%s}', (scheme, algorithm) => {
    const stored = salted(scheme, algorithm, 'correct horse', salt);
    expect(checkPassword(stored, 'correct horse')).toBe(true);
    expect(checkPassword(stored, 'correct horsf')).toBe(false);
    expect(checkPassword(stored.replace(scheme, scheme.toLowerCase()), 'correct horse')).toBe(true);
  });

  it.each([
    ['SHA', 'sha1'],
    ['SHA256', 'sha256'],
    ['SHA512', 'sha512'],
    ['MD5', 'md5'],
  ])('checks {%s}', (scheme, algorithm) => {
    const stored = plain(scheme, algorithm, 'pässword');
    expect(checkPassword(stored, 'pässword')).toBe(true);
    expect(checkPassword(stored, 'password')).toBe(false);
  });

  it.each([
    '{SSHA}fuBsW2c5tH5vvIsUL13A3/bdCGwjt2Mb',
    '{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=',
    '{SMD5}cLP4vGpC56UgM3d+rpwyApquuVU=',
    '{CRYPT}$6$JQzvna.T$nbBuDrmkSseM/a1Jc7mGni4IqHyczfrzouICGMJ6KMPe06mQuGf9OojTPKgplJognzAtS3jrhdXTkVEka8RUk1',
    '{SSHA512}0AavZgQxH5wV4WF3dPXTePShDhHozQ5Meeiiv6oCjjgWUpmS0qrBdryCTg49f8Sng0PSIjrXTwkM6YTTsYqa8D3zZD9ae/RA',
  ])('checks %s made by OpenLDAP slappasswd -s secret', (stored) => {
    expect(checkPassword(stored, 'secret')).toBe(true);
    expect(checkPassword(stored, 'Secret')).toBe(false);
  });

  it('checks {PLAIN}, {CLEARTEXT} and bare cleartext', () => {
    expect(checkPassword('{PLAIN}s3cret', 's3cret')).toBe(true);
    expect(checkPassword('{CLEARTEXT}s3cret', 's3cret')).toBe(true);
    expect(checkPassword('s3cret', 's3cret')).toBe(true);
    expect(checkPassword('s3cret', 's3cre')).toBe(false);
    expect(checkPassword('s3cret', 's3cret ')).toBe(false);
    // An unknown {X} prefix is part of a cleartext password, as in slapd.
    expect(checkPassword('{weird}pw', '{weird}pw')).toBe(true);
  });

  it('never accepts an empty password', () => {
    expect(checkPassword('', '')).toBe(false);
    expect(checkPassword('{PLAIN}', '')).toBe(false);
  });

  it('rejects truncated or garbage digests instead of throwing', () => {
    expect(checkPassword('{SSHA}AAAA', 'x')).toBe(false);
    expect(checkPassword('{SHA}!!!', 'x')).toBe(false);
    expect(checkPassword(`${plain('SHA', 'sha1', 'x')}AAAA`, 'x')).toBe(false);
  });

  it('checks {CRYPT} in $1$, $5$ and $6$ forms', () => {
    expect(checkPassword('{CRYPT}$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/', 'password')).toBe(true);
    expect(checkPassword('{CRYPT}$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/', 'passwore')).toBe(false);
    const sha512 =
      '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1';
    expect(checkPassword(`{crypt}${sha512}`, 'Hello world!')).toBe(true);
    expect(checkPassword(`{crypt}${sha512}`, 'Hello world')).toBe(false);
  });

  it('refuses {CRYPT} formats it cannot compute', () => {
    expect(checkPassword('{CRYPT}abJnggxhB/yWI', 'password')).toBe(false);
    expect(checkPassword('{CRYPT}$y$j9T$abc$def', 'password')).toBe(false);
    expect(isSupportedPassword('{CRYPT}abJnggxhB/yWI')).toBe(false);
    expect(isSupportedPassword('{CRYPT}$6$x$y')).toBe(true);
    expect(isSupportedPassword('{SSHA}x')).toBe(true);
  });
});

describe('crypt (vectors from openssl passwd and the SHA-crypt specification)', () => {
  it.each([
    ['password', '$1$saltsalt$', '$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/'],
    ['Hello world!', '$5$saltstring', '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'],
    [
      'Hello world!',
      '$6$saltstring',
      '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
    ],
    [
      'Hello world!',
      '$6$rounds=10000$saltstringsaltstring',
      '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
    ],
    [
      'This is just a test',
      '$5$rounds=5000$toolongsaltstring',
      '$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5',
    ],
  ])('crypt(%j, %j)', (password, setting, expected) => {
    expect(crypt(password, setting)).toBe(expected);
  });

  it('returns undefined for unsupported formats', () => {
    expect(crypt('x', 'abJnggxhB/yWI')).toBeUndefined();
    expect(crypt('x', '$2b$10$abc')).toBeUndefined();
  });
});

describe('passwordScheme', () => {
  it('names known schemes, upper-cased', () => {
    expect(passwordScheme('{ssha}abc')).toBe('SSHA');
    expect(passwordScheme('{CRYPT}$6$a$b')).toBe('CRYPT');
    expect(passwordScheme('cleartext')).toBeUndefined();
    expect(passwordScheme('{ARGON2}x')).toBeUndefined();
  });
});
