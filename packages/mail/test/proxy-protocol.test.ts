import { describe, expect, it } from 'vitest';
import { plainAddress, proxyProtocolHeader } from '../src/backend/proxy-protocol.js';

const v4 = {
  sourceAddress: '::ffff:192.0.2.10',
  sourcePort: 51234,
  destinationAddress: '198.51.100.1',
  destinationPort: 143,
};
const v6 = {
  sourceAddress: '2001:db8::10',
  sourcePort: 51234,
  destinationAddress: '2001:db8::1',
  destinationPort: 993,
};

describe('PROXY protocol headers', () => {
  it('v1: TCP4 with IPv4-mapped addresses unmapped, TCP6, else UNKNOWN', () => {
    expect(proxyProtocolHeader('v1', v4).toString()).toBe('PROXY TCP4 192.0.2.10 198.51.100.1 51234 143\r\n');
    expect(proxyProtocolHeader('v1', v6).toString()).toBe(
      'PROXY TCP6 2001:db8::10 2001:db8::1 51234 993\r\n',
    );
    expect(proxyProtocolHeader('v1', { ...v4, destinationAddress: '2001:db8::1' }).toString()).toBe(
      'PROXY UNKNOWN\r\n',
    );
  });

  it('v2: signature, PROXY command, TCP over IPv4, addresses and ports', () => {
    const h = proxyProtocolHeader('v2', v4);
    expect(h.subarray(0, 12).toString('hex')).toBe('0d0a0d0a000d0a515549540a');
    expect([h[12], h[13], h.readUInt16BE(14)]).toEqual([0x21, 0x11, 12]);
    expect([...h.subarray(16, 24)]).toEqual([192, 0, 2, 10, 198, 51, 100, 1]);
    expect([h.readUInt16BE(24), h.readUInt16BE(26)]).toEqual([51234, 143]);
    expect(h.length).toBe(28);
  });

  it('v2: TCP over IPv6 with :: expanded', () => {
    const h = proxyProtocolHeader('v2', v6);
    expect([h[13], h.readUInt16BE(14), h.length]).toEqual([0x21, 36, 52]);
    expect(h.subarray(16, 32).toString('hex')).toBe('20010db8000000000000000000000010');
    expect(h.subarray(32, 48).toString('hex')).toBe('20010db8000000000000000000000001');
  });

  it('v2: LOCAL when the families differ', () => {
    expect(
      proxyProtocolHeader('v2', { ...v6, destinationAddress: '127.0.0.1' })
        .subarray(12)
        .toString('hex'),
    ).toBe('20000000');
  });

  it('unmaps IPv4-mapped IPv6 addresses only', () => {
    expect(plainAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(plainAddress('::ffff:abcd')).toBe('::ffff:abcd');
  });
});
