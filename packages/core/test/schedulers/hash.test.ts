import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fmix32, murmur3 } from '../../src/schedulers/hash.js';

/** Reference MurmurHash3 x86_32 over bytes, written independently of the module's UTF-8 encoder. */
function reference(bytes: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  const n = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const mix = (k: number) => {
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    return Math.imul(k, 0x1b873593);
  };
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    h ^= mix(view.getUint32(i, true));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  for (let j = n - 1; j >= i; j--) k = (k << 8) | bytes[j]!;
  if (n > i) h ^= mix(k);
  return fmix32(h ^ n);
}

describe('murmur3', () => {
  it('matches published test vectors', () => {
    expect(murmur3('')).toBe(0);
    expect(murmur3('', 1)).toBe(0x514e28b7);
    expect(murmur3('hello')).toBe(0x248bfa47);
    expect(murmur3('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723);
  });

  it('hashes the UTF-8 bytes of any string (TextEncoder semantics, lone surrogates included)', () => {
    const encoder = new TextEncoder();
    // UTF-16 code units from every UTF-8 length class, surrogates (paired or lone) included.
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0x7ff }),
      fc.integer({ min: 0x800, max: 0xffff }),
      fc.integer({ min: 0xd800, max: 0xdfff }),
    );
    const text = fc.array(unit, { maxLength: 64 }).map((units) => String.fromCharCode(...units));
    fc.assert(
      fc.property(text, fc.integer(), (text, seed) => {
        expect(murmur3(text, seed)).toBe(reference(encoder.encode(text), seed));
      }),
      { numRuns: 1000 },
    );
    expect(murmur3('\ud800x')).toBe(reference(encoder.encode('\ufffdx'), 0));
    expect(murmur3('x'.repeat(5000))).toBe(reference(encoder.encode('x'.repeat(5000)), 0));
  });
});
