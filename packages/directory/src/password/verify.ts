import { createHash, timingSafeEqual } from 'node:crypto';
import { crypt } from './crypt.js';

/** Digest of each `{SCHEME}` a stored userPassword may use; the `S` forms carry a salt after the digest. */
const DIGESTS: Record<string, { algorithm: string; salted: boolean }> = {
  MD5: { algorithm: 'md5', salted: false },
  SMD5: { algorithm: 'md5', salted: true },
  SHA: { algorithm: 'sha1', salted: false },
  SSHA: { algorithm: 'sha1', salted: true },
  SHA256: { algorithm: 'sha256', salted: false },
  SSHA256: { algorithm: 'sha256', salted: true },
  SHA384: { algorithm: 'sha384', salted: false },
  SSHA384: { algorithm: 'sha384', salted: true },
  SHA512: { algorithm: 'sha512', salted: false },
  SSHA512: { algorithm: 'sha512', salted: true },
};
const DIGEST_SIZES: Record<string, number> = { md5: 16, sha1: 20, sha256: 32, sha384: 48, sha512: 64 };
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const CLEARTEXT = new Set(['PLAIN', 'CLEARTEXT']);

/** Every scheme checkPassword() understands; other `{X}` prefixes compare as cleartext, as slapd does. */
export const PASSWORD_SCHEMES: readonly string[] = [...Object.keys(DIGESTS), 'CRYPT', ...CLEARTEXT];

/** The `{SCHEME}` of a stored value, upper-cased, or undefined for cleartext. */
export function passwordScheme(stored: string): string | undefined {
  const match = /^\{([A-Za-z0-9.-]+)\}/.exec(stored);
  const scheme = match?.[1]?.toUpperCase();
  return scheme && PASSWORD_SCHEMES.includes(scheme) ? scheme : undefined;
}

/**
 * True when `stored` can be checked: cleartext, a digest scheme, or {CRYPT}
 * in `$1$`, `$5$` or `$6$` form (traditional DES, bcrypt and yescrypt are not
 * supported).
 */
export function isSupportedPassword(stored: string): boolean {
  if (passwordScheme(stored) !== 'CRYPT') return true;
  return /^\{crypt\}\$[156]\$/i.test(stored);
}

/**
 * Checks `candidate` against a stored userPassword value: {SSHA}, {SHA},
 * {SSHA256/384/512}, {SHA256/384/512}, {SMD5}, {MD5}, {CRYPT} ($1$ $5$ $6$),
 * {PLAIN}/{CLEARTEXT} or bare cleartext. Comparisons are constant-time. An
 * empty candidate never matches.
 */
export function checkPassword(stored: string, candidate: string): boolean {
  if (candidate.length === 0) return false;
  const scheme = passwordScheme(stored);
  if (scheme === undefined) return safeEqual(Buffer.from(stored), Buffer.from(candidate));
  const value = stored.slice(scheme.length + 2);
  if (CLEARTEXT.has(scheme)) return safeEqual(Buffer.from(value), Buffer.from(candidate));
  if (scheme === 'CRYPT') {
    const computed = crypt(candidate, value);
    return computed !== undefined && safeEqual(Buffer.from(computed), Buffer.from(value));
  }
  const { algorithm, salted } = DIGESTS[scheme]!;
  const encoded = value.trim();
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return false;
  const decoded = Buffer.from(encoded, 'base64');
  const size = DIGEST_SIZES[algorithm]!;
  if (decoded.length < size || (!salted && decoded.length !== size)) return false;
  const digest = decoded.subarray(0, size);
  const salt = decoded.subarray(size);
  const computed = createHash(algorithm).update(candidate, 'utf8').update(salt).digest();
  return safeEqual(computed, digest);
}

/**
 * Constant-time equality for values of any length: both sides are hashed to
 * a fixed size first, so neither the content nor the length leaks.
 */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
