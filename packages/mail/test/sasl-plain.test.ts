import { describe, expect, it } from 'vitest';
import { InvalidSaslError } from '../src/errors.js';
import { decodeBase64, decodeSaslPlain, encodeSaslPlain } from '../src/protocol/sasl-plain.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('SASL PLAIN', () => {
  it('decodes authzid, authcid and password', () => {
    expect(decodeSaslPlain(b64('\0alice\0s3cret'))).toEqual({
      authzid: '',
      username: 'alice',
      password: Buffer.from('s3cret'),
      mechanism: 'plain',
    });
    expect(decodeSaslPlain(b64('bob\0admin\0pw')).authzid).toBe('bob');
  });

  it('keeps UTF-8 names and binary passwords', () => {
    const raw = Buffer.concat([Buffer.from('\0jürgen\0'), Buffer.from([0xff, 0x20, 0x41])]);
    const creds = decodeSaslPlain(raw.toString('base64'));
    expect(creds.username).toBe('jürgen');
    expect(creds.password).toEqual(Buffer.from([0xff, 0x20, 0x41]));
  });

  it('round-trips through encodeSaslPlain', () => {
    const creds = decodeSaslPlain(b64('z\0alice\0pa ss'));
    expect(decodeSaslPlain(encodeSaslPlain(creds))).toEqual(creds);
  });

  it.each([
    ['not base64', '!!!!'],
    ['bad padding', 'YWJj='],
    ['empty', ''],
    ['one NUL', b64('alice\0secret')],
    ['three NULs', b64('\0alice\0sec\0ret')],
    ['empty user', b64('\0\0secret')],
  ])('rejects %s', (_what, response) => {
    expect(() => decodeSaslPlain(response)).toThrow(InvalidSaslError);
  });

  it('validates base64 strictly', () => {
    expect(decodeBase64('YWJj').toString()).toBe('abc');
    expect(() => decodeBase64('YW Jj')).toThrow(InvalidSaslError);
  });
});
