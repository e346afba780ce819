import { createHash } from 'node:crypto';

/**
 * crypt(3) in pure JavaScript for the formats still found in userPassword
 * {CRYPT} values: MD5-crypt (`$1$`) and SHA-crypt (`$5$`, `$6$`, Ulrich
 * Drepper's specification, `rounds=` included). Traditional DES, bcrypt
 * (`$2*$`) and yescrypt (`$y$`) need native code and are not supported:
 * crypt() returns undefined for them.
 */
export function crypt(password: string, setting: string): string | undefined {
  const key = Buffer.from(password, 'utf8');
  if (setting.startsWith('$1$')) return md5Crypt(key, setting.slice(3));
  if (setting.startsWith('$5$')) return shaCrypt('sha256', key, setting.slice(3));
  if (setting.startsWith('$6$')) return shaCrypt('sha512', key, setting.slice(3));
  return undefined;
}

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function to64(value: number, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++, value >>>= 6) out += ITOA64[value & 0x3f];
  return out;
}

/** Encodes bytes in crypt's order: triples of indices, the last group shorter. */
function encode(digest: Buffer, order: readonly (readonly number[])[]): string {
  return order
    .map((group) => {
      const [a = 0, b = 0, c = 0] = group.map((i) => digest[i]!);
      const bytes = group.length === 3 ? (a << 16) | (b << 8) | c : group.length === 2 ? (a << 8) | b : a;
      return to64(bytes, group.length + 1);
    })
    .join('');
}

function hash(algorithm: string, ...parts: Buffer[]): Buffer {
  const h = createHash(algorithm);
  for (const part of parts) h.update(part);
  return h.digest();
}

/** `length` bytes of `source` repeated. */
function repeat(source: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += source.length) source.copy(out, i, 0, Math.min(source.length, length - i));
  return out;
}

// biome-ignore format: crypt's byte order tables read best as rows
const MD5_ORDER = [[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5], [11]];

function md5Crypt(key: Buffer, rest: string): string {
  const salt = Buffer.from(rest.split('$')[0]!.slice(0, 8), 'utf8');
  const alternate = hash('md5', key, salt, key);
  const ctx = createHash('md5').update(key).update('$1$').update(salt);
  ctx.update(repeat(alternate, key.length));
  for (let i = key.length; i > 0; i >>= 1) ctx.update(i & 1 ? Buffer.of(0) : key.subarray(0, 1));
  let final = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const round = createHash('md5');
    round.update(i & 1 ? key : final);
    if (i % 3) round.update(salt);
    if (i % 7) round.update(key);
    round.update(i & 1 ? final : key);
    final = round.digest();
  }
  return `$1$${salt.toString('utf8')}$${encode(final, MD5_ORDER)}`;
}

// biome-ignore format: crypt's byte order tables read best as rows
const SHA256_ORDER = [
  [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14],
  [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29], [31, 30],
];
// biome-ignore format: crypt's byte order tables read best as rows
const SHA512_ORDER = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41], [63],
];
const DEFAULT_ROUNDS = 5000;

function shaCrypt(algorithm: 'sha256' | 'sha512', key: Buffer, rest: string): string {
  const id = algorithm === 'sha256' ? '5' : '6';
  let rounds = DEFAULT_ROUNDS;
  let custom = false;
  const match = /^rounds=(\d+)\$/.exec(rest);
  if (match) {
    rounds = Math.min(Math.max(Number(match[1]), 1000), 999_999_999);
    custom = true;
    rest = rest.slice(match[0].length);
  }
  const salt = Buffer.from(rest.split('$')[0]!.slice(0, 16), 'utf8');
  const size = algorithm === 'sha256' ? 32 : 64;
  const alternate = hash(algorithm, key, salt, key);
  const ctx = createHash(algorithm).update(key).update(salt);
  ctx.update(repeat(alternate, key.length));
  for (let i = key.length; i > 0; i >>= 1) ctx.update(i & 1 ? alternate : key);
  let c = ctx.digest();
  const p = repeat(hash(algorithm, ...Array<Buffer>(key.length).fill(key)), key.length);
  const s = repeat(hash(algorithm, ...Array<Buffer>(16 + c[0]!).fill(salt)), salt.length);
  for (let r = 0; r < rounds; r++) {
    const round = createHash(algorithm);
    round.update(r & 1 ? p : c);
    if (r % 3) round.update(s);
    if (r % 7) round.update(p);
    round.update(r & 1 ? c : p);
    c = round.digest();
  }
  const order = size === 32 ? SHA256_ORDER : SHA512_ORDER;
  return `$${id}$${custom ? `rounds=${rounds}$` : ''}${salt.toString('utf8')}$${encode(c, order)}`;
}
