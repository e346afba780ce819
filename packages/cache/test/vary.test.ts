import { describe, expect, it } from 'vitest';
import { describeResponse, ObjectStore, type StoredObject, variantKey, varyFields } from '../src/index.js';

const URL1 = 'http://origin.test/page';

function object(vary: string | undefined, body: string, request: Record<string, string>): StoredObject {
  const headers: Record<string, string> = { 'cache-control': 'max-age=60' };
  if (vary !== undefined) headers.vary = vary;
  const fields = varyFields(headers);
  const key = Array.isArray(fields) ? variantKey(URL1, fields, request) : URL1;
  const now = Date.now();
  const meta = describeResponse({
    key,
    url: URL1,
    status: 200,
    statusText: 'OK',
    headers,
    size: body.length,
    requestTime: now,
    responseTime: now,
  });
  return { meta, body: Buffer.from(body) };
}

describe('Vary: secondary keys', () => {
  it('normalizes the Vary list (case, order, duplicates) and spots *', () => {
    expect(varyFields({ vary: 'Accept-Encoding, accept-language,ACCEPT-ENCODING' })).toEqual([
      'accept-encoding',
      'accept-language',
    ]);
    expect(varyFields({ vary: ['Accept', 'Cookie'] })).toEqual(['accept', 'cookie']);
    expect(varyFields({ vary: 'accept, *' })).toBe('*');
    expect(varyFields({})).toBeUndefined();
  });

  it('keys variants by the request values of the Vary fields', () => {
    const fields = ['accept-encoding'];
    const gzip = variantKey(URL1, fields, { 'accept-encoding': 'gzip' });
    expect(variantKey(URL1, fields, { 'accept-encoding': 'gzip', cookie: 'x' })).toBe(gzip);
    expect(variantKey(URL1, fields, { 'accept-encoding': 'br' })).not.toBe(gzip);
    // Whitespace around list commas does not matter; absent differs from empty.
    expect(variantKey(URL1, fields, { 'accept-encoding': 'gzip ,  br' })).toBe(
      variantKey(URL1, fields, { 'accept-encoding': 'gzip,br' }),
    );
    expect(variantKey(URL1, fields, {})).not.toBe(variantKey(URL1, fields, { 'accept-encoding': '' }));
  });

  it('the store finds the variant matching the request', () => {
    const store = new ObjectStore(1 << 20, 1 << 20);
    store.put(object('Accept-Encoding', 'gzipped', { 'accept-encoding': 'gzip' }));
    store.put(object('Accept-Encoding', 'plain', {}));
    expect(store.find(URL1, { 'accept-encoding': 'gzip' })?.key).toContain('accept-encoding:gzip');
    expect(store.find(URL1, {})?.key).toBe(`${URL1}\naccept-encoding`);
    expect(store.find(URL1, { 'accept-encoding': 'br' })).toBeUndefined();
    expect(store.hasFresh(URL1, Date.now())).toBe(true);
  });

  it('a response without Vary replaces the variants; one with Vary replaces the plain object', () => {
    const store = new ObjectStore(1 << 20, 1 << 20);
    store.put(object('Accept-Encoding', 'gzipped', { 'accept-encoding': 'gzip' }));
    store.put(object(undefined, 'same for all', {}));
    expect(store.find(URL1, { 'accept-encoding': 'gzip' })?.key).toBe(URL1);
    expect(store.stats().memoryObjects).toBe(1);
    store.put(object('Accept-Language', 'en', { 'accept-language': 'en' }));
    expect(store.find(URL1, {})).toBeUndefined();
    expect(store.find(URL1, { 'accept-language': 'en' })).toBeDefined();
    expect(store.stats().memoryObjects).toBe(1);
  });
});
