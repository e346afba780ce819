import { describe, expect, it } from 'vitest';
import {
  currentAge,
  describeResponse,
  freshnessLifetime,
  initialAge,
  isFresh,
  type ObjectMeta,
  parseCacheControl,
  usableWithoutValidation,
} from '../src/index.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const date = (ms: number) => new Date(ms).toUTCString();

function meta(headers: Record<string, string>, requestTime = T0, responseTime = T0): ObjectMeta {
  return describeResponse({
    key: 'http://x/',
    url: 'http://x/',
    status: 200,
    statusText: 'OK',
    headers,
    size: 0,
    requestTime,
    responseTime,
  });
}

const lifetime = (headers: Record<string, string>) =>
  freshnessLifetime(parseCacheControl(headers['cache-control']), headers);

describe('freshness lifetime (shared cache)', () => {
  it('max-age', () => {
    expect(lifetime({ 'cache-control': 'public, max-age=60' })).toBe(60_000);
  });

  it('s-maxage wins over max-age and Expires', () => {
    const headers = {
      'cache-control': 'max-age=60, s-maxage=600',
      date: date(T0),
      expires: date(T0 + 10_000),
    };
    expect(lifetime(headers)).toBe(600_000);
  });

  it('max-age wins over Expires', () => {
    expect(lifetime({ 'cache-control': 'max-age=5', date: date(T0), expires: date(T0 + 3_600_000) })).toBe(
      5_000,
    );
  });

  it('Expires minus Date', () => {
    expect(lifetime({ date: date(T0), expires: date(T0 + 120_000) })).toBe(120_000);
    expect(lifetime({ date: date(T0), expires: date(T0 - 120_000) })).toBe(0);
  });

  it('an invalid Expires or max-age means already stale', () => {
    expect(lifetime({ date: date(T0), expires: '0' })).toBe(0);
    expect(lifetime({ 'cache-control': 'max-age=soon' })).toBe(0);
  });

  it('no heuristic freshness: Last-Modified alone gives 0', () => {
    expect(lifetime({ 'last-modified': date(T0 - 86_400_000), date: date(T0) })).toBe(0);
  });

  it('quoted arguments and directives in any case', () => {
    const cc = parseCacheControl('Max-Age="30", no-cache="set-cookie, x-foo", PUBLIC');
    expect(cc.get('max-age')).toBe('30');
    expect(cc.get('no-cache')).toBe('set-cookie, x-foo');
    expect(cc.get('public')).toBe(true);
  });
});

describe('age (RFC 9111 §4.2.3)', () => {
  it('takes the Age header plus the response delay', () => {
    const headers = { age: '100', date: date(T0) };
    expect(initialAge(headers, T0 - 2_000, T0)).toBe(102_000);
  });

  it('takes the apparent age when Date is older than the Age says', () => {
    expect(initialAge({ date: date(T0 - 50_000), age: '10' }, T0, T0)).toBe(50_000);
  });

  it('grows with resident time, and Age counts against max-age', () => {
    const m = meta({ 'cache-control': 'max-age=60', age: '50', date: date(T0) });
    expect(currentAge(m, T0 + 5_000)).toBe(55_000);
    expect(isFresh(m, T0 + 9_000)).toBe(true);
    expect(isFresh(m, T0 + 10_000)).toBe(false);
  });
});

describe('using a stored response', () => {
  const m = meta({ 'cache-control': 'max-age=100', date: date(T0) });
  const at = T0 + 40_000; // age 40 s, 60 s left

  it('response no-cache: always validate', () => {
    const noCache = meta({ 'cache-control': 'max-age=100, no-cache', date: date(T0) });
    expect(isFresh(noCache, T0)).toBe(false);
    expect(usableWithoutValidation(noCache, T0, new Map())).toBe(false);
  });

  it('request no-cache and max-age', () => {
    expect(usableWithoutValidation(m, at, parseCacheControl(''))).toBe(true);
    expect(usableWithoutValidation(m, at, parseCacheControl('no-cache'))).toBe(false);
    expect(usableWithoutValidation(m, at, parseCacheControl('max-age=30'))).toBe(false);
    expect(usableWithoutValidation(m, at, parseCacheControl('max-age=50'))).toBe(true);
  });

  it('request min-fresh', () => {
    expect(usableWithoutValidation(m, at, parseCacheControl('min-fresh=50'))).toBe(true);
    expect(usableWithoutValidation(m, at, parseCacheControl('min-fresh=70'))).toBe(false);
  });

  it('request max-stale, but never past must-revalidate', () => {
    const stale = T0 + 130_000; // 30 s stale
    expect(usableWithoutValidation(m, stale, parseCacheControl(''))).toBe(false);
    expect(usableWithoutValidation(m, stale, parseCacheControl('max-stale=60'))).toBe(true);
    expect(usableWithoutValidation(m, stale, parseCacheControl('max-stale=10'))).toBe(false);
    expect(usableWithoutValidation(m, stale, parseCacheControl('max-stale'))).toBe(true);
    const strict = meta({ 'cache-control': 'max-age=100, must-revalidate', date: date(T0) });
    expect(usableWithoutValidation(strict, stale, parseCacheControl('max-stale'))).toBe(false);
  });
});
