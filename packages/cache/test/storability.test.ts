import { describe, expect, it } from 'vitest';
import { parseCacheControl, unstorableReason } from '../src/index.js';

const facts = (
  responseHeaders: Record<string, string>,
  extra: { status?: number; method?: string; request?: Record<string, string> } = {},
) => ({
  method: extra.method ?? 'GET',
  status: extra.status ?? 200,
  requestHeaders: extra.request ?? {},
  requestCc: parseCacheControl(extra.request?.['cache-control']),
  responseHeaders,
});

describe('what a shared cache stores (RFC 9111 §3)', () => {
  it('stores fresh or revalidatable responses', () => {
    expect(unstorableReason(facts({ 'cache-control': 'max-age=60' }))).toBeUndefined();
    expect(unstorableReason(facts({ etag: '"v1"' }))).toBeUndefined();
    expect(unstorableReason(facts({ 'cache-control': 'max-age=60' }, { status: 404 }))).toBeUndefined();
  });

  it('does not store no-store, private, Vary: *, Set-Cookie, or what could never be served', () => {
    expect(unstorableReason(facts({ 'cache-control': 'no-store, max-age=60' }))).toBe('no-store');
    expect(
      unstorableReason(
        facts({ 'cache-control': 'max-age=60' }, { request: { 'cache-control': 'no-store' } }),
      ),
    ).toBe('no-store');
    expect(unstorableReason(facts({ 'cache-control': 'private, max-age=60' }))).toBe('private');
    expect(unstorableReason(facts({ 'cache-control': 'max-age=60', vary: 'Accept, *' }))).toBe('vary-star');
    expect(unstorableReason(facts({ 'cache-control': 'max-age=60', 'set-cookie': 'a=b' }))).toBe(
      'set-cookie',
    );
    expect(unstorableReason(facts({ 'content-type': 'text/plain' }))).toBe('no-freshness-no-validator');
  });

  it('not HEAD, POST, 206 or 500', () => {
    expect(unstorableReason(facts({ 'cache-control': 'max-age=60' }, { method: 'HEAD' }))).toBe('method');
    expect(unstorableReason(facts({ 'cache-control': 'max-age=60' }, { method: 'POST' }))).toBe('method');
    expect(unstorableReason(facts({ 'cache-control': 'max-age=60' }, { status: 206 }))).toBe('status');
    expect(unstorableReason(facts({ 'cache-control': 'max-age=60' }, { status: 500 }))).toBe('status');
  });

  it('responses to requests with Authorization only when the response allows it', () => {
    const request = { authorization: 'Basic eDp5' };
    expect(unstorableReason(facts({ 'cache-control': 'max-age=60' }, { request }))).toBe('authorization');
    expect(unstorableReason(facts({ 'cache-control': 'public, max-age=60' }, { request }))).toBeUndefined();
    expect(unstorableReason(facts({ 'cache-control': 's-maxage=60' }, { request }))).toBeUndefined();
  });
});
