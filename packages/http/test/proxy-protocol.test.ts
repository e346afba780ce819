import { describe, expect, it } from 'vitest';
import { ProxyHeaderError, parseProxyHeader } from '../src/proxy-protocol.js';

function v2(command: number, family: number, payload: Buffer): Buffer {
  const head = Buffer.from([
    0x0d,
    0x0a,
    0x0d,
    0x0a,
    0x00,
    0x0d,
    0x0a,
    0x51,
    0x55,
    0x49,
    0x54,
    0x0a,
    0x20 | command,
    family,
    0,
    0,
  ]);
  head.writeUInt16BE(payload.length, 14);
  return Buffer.concat([head, payload]);
}

describe('parseProxyHeader', () => {
  it('reads v1 TCP4/TCP6/UNKNOWN lines', () => {
    const line = 'PROXY TCP4 203.0.113.7 10.0.0.1 51234 80\r\nGET /';
    expect(parseProxyHeader(Buffer.from(line))).toEqual({
      consumed: line.indexOf('GET'),
      address: '203.0.113.7',
    });
    expect(parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::1 ::1 1 2\r\n'))!.address).toBe('2001:db8::1');
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).toEqual({ consumed: 15, address: null });
  });

  it('reads v2 PROXY (IPv4, IPv6, with TLVs) and LOCAL', () => {
    const v4 = Buffer.from([198, 51, 100, 9, 10, 0, 0, 1, 0x1f, 0x90, 0, 80]);
    expect(parseProxyHeader(Buffer.concat([v2(1, 0x11, v4), Buffer.from('GET')]))).toEqual({
      consumed: 28,
      address: '198.51.100.9',
    });
    const v6 = Buffer.alloc(36);
    v6.writeUInt16BE(0x2001, 0);
    v6.writeUInt16BE(0x0db8, 2);
    v6.writeUInt16BE(7, 14);
    expect(parseProxyHeader(v2(1, 0x21, v6))!.address).toBe('2001:db8:0:0:0:0:0:7');
    const withTlv = Buffer.concat([v4, Buffer.from([0x04, 0, 2, 1, 2])]);
    expect(parseProxyHeader(v2(1, 0x11, withTlv))).toEqual({ consumed: 16 + 17, address: '198.51.100.9' });
    expect(parseProxyHeader(v2(0, 0x00, Buffer.alloc(0)))).toEqual({ consumed: 16, address: null });
  });

  it('waits for more bytes, and refuses anything else', () => {
    expect(parseProxyHeader(Buffer.from('PROX'))).toBeNull();
    expect(parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4'))).toBeNull();
    expect(parseProxyHeader(v2(1, 0x11, Buffer.alloc(12)).subarray(0, 20))).toBeNull();
    for (const bad of [
      'GET / HTTP/1.1\r\n',
      'PROXY TCP4 1.2.3.4\r\n',
      'PROXY TCP9 a b 1 2\r\n',
      `PROXY ${'x'.repeat(200)}`,
    ]) {
      expect(() => parseProxyHeader(Buffer.from(bad)), bad).toThrow(ProxyHeaderError);
    }
    expect(() => parseProxyHeader(v2(5, 0x11, Buffer.alloc(12)))).toThrow(ProxyHeaderError);
  });
});
