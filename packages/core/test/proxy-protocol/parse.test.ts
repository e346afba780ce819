import net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  encodeProxyHeader,
  ProxyHeaderError,
  parseProxyHeader,
  V2_SIGNATURE,
} from '../../src/proxy-protocol/index.js';

/** A v2 header with the given version/command byte, family byte and payload. */
function v2(command: number, family: number, payload: Buffer, version = 2): Buffer {
  const head = Buffer.from([(version << 4) | command, family, 0, 0]);
  head.writeUInt16BE(payload.length, 2);
  return Buffer.concat([V2_SIGNATURE, head, payload]);
}

const V4_BLOCK = Buffer.from([198, 51, 100, 9, 10, 0, 0, 1, 0x9c, 0x40, 0, 80]);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProxyHeaderError);
    return (error as ProxyHeaderError).code;
  }
  return undefined;
}

describe('parseProxyHeader: v1', () => {
  it('reads TCP4 and TCP6 lines and says where the protocol starts', () => {
    const line = 'PROXY TCP4 203.0.113.7 10.0.0.1 51234 80\r\n';
    expect(parseProxyHeader(Buffer.from(`${line}GET /`))).toEqual({
      header: {
        source: { address: '203.0.113.7', port: 51234 },
        destination: { address: '10.0.0.1', port: 80 },
      },
      length: line.length,
    });
    const six = parseProxyHeader(Buffer.from('PROXY TCP6 2001:DB8:0:0::1 ::1 1 65535\r\n'));
    expect(six?.header.source).toEqual({ address: '2001:db8::1', port: 1 });
    expect(six?.header.destination).toEqual({ address: '::1', port: 65535 });
  });

  it('reads UNKNOWN (with or without addresses) as no client', () => {
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).toEqual({
      header: { source: undefined, destination: undefined },
      length: 15,
    });
    const line = 'PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n';
    expect(parseProxyHeader(Buffer.from(line))?.length).toBe(line.length);
  });

  it('waits for the rest of a fragmented line, byte by byte', () => {
    const whole = Buffer.from('PROXY TCP4 192.0.2.1 192.0.2.2 1000 2000\r\nEHLO');
    const end = whole.indexOf('EHLO');
    for (let n = 1; n < end; n++) expect(parseProxyHeader(whole.subarray(0, n)), String(n)).toBeUndefined();
    expect(parseProxyHeader(whole.subarray(0, end))?.length).toBe(end);
  });

  it('refuses what is not a PROXY line as soon as the first bytes show it', () => {
    expect(codeOf(() => parseProxyHeader(Buffer.from('G')))).toBe('LVS7_ERR_PROXY_HEADER_INVALID');
    expect(codeOf(() => parseProxyHeader(Buffer.from('GET / HTTP/1.1\r\n')))).toBe(
      'LVS7_ERR_PROXY_HEADER_INVALID',
    );
    expect(codeOf(() => parseProxyHeader(Buffer.from('proxy TCP4')))).toBe('LVS7_ERR_PROXY_HEADER_INVALID');
  });

  it('refuses malformed lines', () => {
    for (const bad of [
      'PROXY TCP4 1.2.3.4\r\n',
      'PROXY TCP9 1.2.3.4 5.6.7.8 1 2\r\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n',
      'PROXY TCP4 ::1 5.6.7.8 1 2\r\n',
      'PROXY TCP6 1.2.3.4 ::1 1 2\r\n',
      'PROXY TCP4 1.2.3.999 5.6.7.8 1 2\r\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n',
      'PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n',
    ]) {
      expect(
        codeOf(() => parseProxyHeader(Buffer.from(bad))),
        bad,
      ).toBe('LVS7_ERR_PROXY_HEADER_INVALID');
    }
  });

  it('refuses a line over 107 bytes, with or without its end', () => {
    expect(codeOf(() => parseProxyHeader(Buffer.from(`PROXY UNKNOWN ${'x'.repeat(100)}`)))).toBe(
      'LVS7_ERR_PROXY_HEADER_TOO_LONG',
    );
    expect(codeOf(() => parseProxyHeader(Buffer.from(`PROXY UNKNOWN ${'x'.repeat(100)}\r\n`)))).toBe(
      'LVS7_ERR_PROXY_HEADER_TOO_LONG',
    );
    // Exactly 107 bytes is allowed.
    const max = `PROXY UNKNOWN ${'x'.repeat(107 - 16)}\r\n`;
    expect(max.length).toBe(107);
    expect(parseProxyHeader(Buffer.from(max))?.length).toBe(107);
  });
});

describe('parseProxyHeader: v2', () => {
  it('reads PROXY over IPv4 and IPv6', () => {
    expect(parseProxyHeader(Buffer.concat([v2(1, 0x11, V4_BLOCK), Buffer.from('GET')]))).toEqual({
      header: {
        source: { address: '198.51.100.9', port: 40000 },
        destination: { address: '10.0.0.1', port: 80 },
      },
      length: 28,
    });
    const v6 = Buffer.alloc(36);
    v6.writeUInt16BE(0x2001, 0);
    v6.writeUInt16BE(0x0db8, 2);
    v6.writeUInt16BE(7, 14);
    v6.writeUInt16BE(1, 30);
    v6.writeUInt16BE(1234, 32);
    v6.writeUInt16BE(143, 34);
    expect(parseProxyHeader(v2(1, 0x21, v6))?.header).toEqual({
      source: { address: '2001:db8::7', port: 1234 },
      destination: { address: '::1', port: 143 },
    });
  });

  it('skips TLVs after the addresses', () => {
    const tlvs = Buffer.from([0x01, 0, 2, 0x68, 0x32, 0x04, 0, 3, 1, 2, 3, 0x20, 0, 1, 0]);
    const header = v2(1, 0x11, Buffer.concat([V4_BLOCK, tlvs]));
    const parsed = parseProxyHeader(Buffer.concat([header, Buffer.from('x')]));
    expect(parsed?.length).toBe(16 + 12 + tlvs.length);
    expect(parsed?.header.source?.address).toBe('198.51.100.9');
  });

  it('reads LOCAL, UNSPEC, UDP and unix sockets as no client', () => {
    const none = { source: undefined, destination: undefined };
    expect(parseProxyHeader(v2(0, 0x00, Buffer.alloc(0)))).toEqual({ header: none, length: 16 });
    // LOCAL may still carry addresses: they are ignored.
    expect(parseProxyHeader(v2(0, 0x11, V4_BLOCK))?.header).toEqual(none);
    expect(parseProxyHeader(v2(1, 0x00, Buffer.alloc(0)))?.header).toEqual(none);
    expect(parseProxyHeader(v2(1, 0x12, V4_BLOCK))?.header).toEqual(none);
    expect(parseProxyHeader(v2(1, 0x31, Buffer.alloc(216)))?.header).toEqual(none);
  });

  it('waits for a fragmented header, signature included', () => {
    const whole = v2(1, 0x11, V4_BLOCK);
    for (let n = 1; n < whole.length; n++)
      expect(parseProxyHeader(whole.subarray(0, n)), String(n)).toBeUndefined();
    expect(parseProxyHeader(whole)?.length).toBe(whole.length);
  });

  it('refuses a bad signature, version, command or address block', () => {
    const badSignature = Buffer.from(V2_SIGNATURE);
    badSignature[7] = 0x50;
    expect(codeOf(() => parseProxyHeader(badSignature))).toBe('LVS7_ERR_PROXY_HEADER_INVALID');
    expect(codeOf(() => parseProxyHeader(Buffer.from([0x0d, 0x0a, 0x0d, 0x0b])))).toBe(
      'LVS7_ERR_PROXY_HEADER_INVALID',
    );
    expect(codeOf(() => parseProxyHeader(v2(1, 0x11, V4_BLOCK, 1)))).toBe('LVS7_ERR_PROXY_HEADER_INVALID');
    expect(codeOf(() => parseProxyHeader(v2(2, 0x11, V4_BLOCK)))).toBe('LVS7_ERR_PROXY_HEADER_INVALID');
    expect(codeOf(() => parseProxyHeader(v2(1, 0x11, Buffer.alloc(8))))).toBe(
      'LVS7_ERR_PROXY_HEADER_INVALID',
    );
    expect(codeOf(() => parseProxyHeader(v2(1, 0x21, Buffer.alloc(12))))).toBe(
      'LVS7_ERR_PROXY_HEADER_INVALID',
    );
  });

  it('refuses a header over the size limit from its length field, before the bytes arrive', () => {
    const big = v2(1, 0x11, Buffer.concat([V4_BLOCK, Buffer.alloc(5000)]));
    expect(codeOf(() => parseProxyHeader(big.subarray(0, 16)))).toBe('LVS7_ERR_PROXY_HEADER_TOO_LONG');
    expect(
      codeOf(() => parseProxyHeader(v2(1, 0x11, Buffer.concat([V4_BLOCK, Buffer.alloc(100)])), 64)),
    ).toBe('LVS7_ERR_PROXY_HEADER_TOO_LONG');
    expect(parseProxyHeader(big, 8192)?.length).toBe(big.length);
  });
});

describe('IPv6 text', () => {
  it('is what Node shows for the same address (RFC 5952 as libuv writes it)', () => {
    const samples = [
      [0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 1],
      [1, 0, 0, 0, 0, 0, 0, 0],
      [0x2001, 0xdb8, 0, 0, 1, 0, 0, 1],
      [0, 0, 1, 0, 0, 0, 1, 0],
      [0, 0, 0, 0, 0, 0, 0x254, 0],
      [0, 0, 0, 0, 0, 0xffff, 0xc000, 0x20a],
      [1, 2, 3, 4, 5, 6, 7, 8],
    ];
    for (let i = 0; i < 300; i++) {
      samples.push(
        Array.from({ length: 8 }, () => (Math.random() < 0.6 ? 0 : Math.floor(Math.random() * 0x10000))),
      );
    }
    for (const groups of samples) {
      const text = groups.map((g) => g.toString(16)).join(':');
      const block = Buffer.alloc(36);
      groups.forEach((g, i) => {
        block.writeUInt16BE(g, i * 2);
      });
      const expected = new net.SocketAddress({ address: text, family: 'ipv6' }).address;
      expect(parseProxyHeader(v2(1, 0x21, block))?.header.source?.address, text).toBe(expected);
      expect(
        parseProxyHeader(Buffer.from(`PROXY TCP6 ${text} ::1 1 2\r\n`))?.header.source?.address,
        text,
      ).toBe(expected);
    }
  });
});

describe('encode → parse', () => {
  const src = { address: '192.0.2.10', port: 40000 };
  const dst = { address: '198.51.100.1', port: 25 };

  it('round-trips IPv4 and IPv6 in both versions', () => {
    for (const version of ['v1', 'v2'] as const) {
      const h4 = encodeProxyHeader(version, src, dst);
      expect(parseProxyHeader(h4)).toEqual({ header: { source: src, destination: dst }, length: h4.length });
      const s6 = { address: '2001:db8::1', port: 1 };
      const d6 = { address: 'fe80::1:2', port: 2 };
      expect(parseProxyHeader(encodeProxyHeader(version, s6, d6))?.header).toEqual({
        source: s6,
        destination: d6,
      });
    }
  });
});
