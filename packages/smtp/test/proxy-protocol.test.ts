import { describe, expect, it } from 'vitest';
import { encodeProxyHeader, ProxyHeaderError, parseProxyHeader } from '../src/proxy-protocol.js';

const src = { address: '192.0.2.10', port: 40000 };
const dst = { address: '198.51.100.1', port: 25 };

describe('PROXY protocol', () => {
  it('round-trips v1 and v2 for IPv4 and IPv6', () => {
    for (const version of ['v1', 'v2'] as const) {
      const h4 = encodeProxyHeader(version, src, dst);
      expect(parseProxyHeader(Buffer.concat([h4, Buffer.from('EHLO')]))).toEqual({
        header: { source: src, destination: dst },
        length: h4.length,
      });
      const s6 = { address: '2001:db8::1', port: 1 };
      const d6 = { address: '2001:db8::2', port: 2 };
      const parsed = parseProxyHeader(encodeProxyHeader(version, s6, d6))!;
      expect(parsed.header.source?.port).toBe(1);
      expect(parsed.header.source?.address.replace(/:0(?=:)/g, ':').replace(/:{2,}/, '::')).toMatch(
        /^2001:db8:+1$/,
      );
    }
    expect(encodeProxyHeader('v1', src, dst).toString()).toBe(
      'PROXY TCP4 192.0.2.10 198.51.100.1 40000 25\r\n',
    );
  });

  it('treats an IPv4-mapped peer as IPv4 and mixed families as UNKNOWN / LOCAL', () => {
    expect(
      encodeProxyHeader(
        'v1',
        { address: '::ffff:192.0.2.10', port: 1 },
        { address: '198.51.100.1', port: 2 },
      ).toString(),
    ).toBe('PROXY TCP4 192.0.2.10 198.51.100.1 1 2\r\n');
    expect(encodeProxyHeader('v1', src, { address: '::1', port: 2 }).toString()).toBe('PROXY UNKNOWN\r\n');
    expect(
      parseProxyHeader(encodeProxyHeader('v2', src, { address: '::1', port: 2 }))?.header.source,
    ).toBeUndefined();
  });

  it('waits for more bytes and rejects what is not a PROXY header', () => {
    expect(parseProxyHeader(Buffer.from('PROX'))).toBeUndefined();
    expect(parseProxyHeader(encodeProxyHeader('v2', src, dst).subarray(0, 20))).toBeUndefined();
    expect(() => parseProxyHeader(Buffer.from('EHLO x\r\n'))).toThrow(ProxyHeaderError);
    expect(() => parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 99999 25\r\n'))).toThrow(
      ProxyHeaderError,
    );
    expect(() => parseProxyHeader(Buffer.from(`PROXY ${'x'.repeat(120)}`))).toThrow(ProxyHeaderError);
  });
});
