import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  encodeLocalProxyHeader,
  encodeProxyHeader,
  localPreamble,
  preambleBytes,
  unmapIpv4,
} from '../../src/proxy-protocol/index.js';

const v4 = { address: '::ffff:192.0.2.10', port: 51234 };
const d4 = { address: '198.51.100.1', port: 143 };
const v6 = { address: '2001:db8::10', port: 51234 };
const d6 = { address: '2001:db8::1', port: 993 };

describe('encodeProxyHeader', () => {
  it('v1: TCP4 (IPv4-mapped addresses unmapped) and TCP6', () => {
    expect(encodeProxyHeader('v1', v4, d4).toString()).toBe(
      'PROXY TCP4 192.0.2.10 198.51.100.1 51234 143\r\n',
    );
    expect(encodeProxyHeader('v1', v6, d6).toString()).toBe(
      'PROXY TCP6 2001:db8::10 2001:db8::1 51234 993\r\n',
    );
  });

  it('v2: signature, PROXY command, TCP over IPv4, addresses and ports', () => {
    const h = encodeProxyHeader('v2', v4, d4);
    expect(h.subarray(0, 12).toString('hex')).toBe('0d0a0d0a000d0a515549540a');
    expect([h[12], h[13], h.readUInt16BE(14)]).toEqual([0x21, 0x11, 12]);
    expect([...h.subarray(16, 24)]).toEqual([192, 0, 2, 10, 198, 51, 100, 1]);
    expect([h.readUInt16BE(24), h.readUInt16BE(26)]).toEqual([51234, 143]);
    expect(h.length).toBe(28);
  });

  it('v2: TCP over IPv6 with :: expanded', () => {
    const h = encodeProxyHeader('v2', v6, d6);
    expect([h[13], h.readUInt16BE(14), h.length]).toEqual([0x21, 36, 52]);
    expect(h.subarray(16, 32).toString('hex')).toBe('20010db8000000000000000000000010');
    expect(h.subarray(32, 48).toString('hex')).toBe('20010db8000000000000000000000001');
    const edge = encodeProxyHeader('v2', { address: '::', port: 0 }, { address: '1::', port: 0 });
    expect(edge.subarray(16, 48).toString('hex')).toBe(`${'0'.repeat(32)}0001${'0'.repeat(28)}`);
  });

  it('mixed families: the IPv4 side is sent IPv4-mapped over TCP6 (as HAProxy does)', () => {
    expect(encodeProxyHeader('v1', { address: '192.0.2.10', port: 1 }, d6).toString()).toBe(
      'PROXY TCP6 ::ffff:192.0.2.10 2001:db8::1 1 993\r\n',
    );
    const h = encodeProxyHeader('v2', v6, { address: '127.0.0.1', port: 2 });
    expect(h[13]).toBe(0x21);
    expect(h.subarray(32, 48).toString('hex')).toBe('00000000000000000000ffff7f000001');
  });

  it('an unknown client address gives UNKNOWN (v1) or LOCAL (v2)', () => {
    expect(encodeProxyHeader('v1', { address: '', port: 0 }, d4).toString()).toBe('PROXY UNKNOWN\r\n');
    expect(encodeProxyHeader('v2', { address: 'x', port: 0 }, d4).subarray(12).toString('hex')).toBe(
      '20000000',
    );
  });

  it('drops IPv6 zone ids', () => {
    expect(
      encodeProxyHeader(
        'v1',
        { address: 'fe80::1%eth0', port: 1 },
        { address: 'fe80::2', port: 2 },
      ).toString(),
    ).toBe('PROXY TCP6 fe80::1 fe80::2 1 2\r\n');
  });
});

describe('encodeLocalProxyHeader', () => {
  it('is PROXY UNKNOWN in v1 and the LOCAL command in v2', () => {
    expect(encodeLocalProxyHeader('v1').toString()).toBe('PROXY UNKNOWN\r\n');
    expect(encodeLocalProxyHeader('v2').toString('hex')).toBe('0d0a0d0a000d0a515549540a20000000');
  });
});

describe('localPreamble (health checks, probes)', () => {
  it('is LOCAL in v2 and, in v1, the connection naming itself', () => {
    const socket = {
      localAddress: '::ffff:127.0.0.1',
      localPort: 50000,
      remoteAddress: '127.0.0.9',
      remotePort: 25,
    };
    expect(preambleBytes(localPreamble('v2'), socket as net.Socket).toString('hex')).toBe(
      '0d0a0d0a000d0a515549540a20000000',
    );
    expect(preambleBytes(localPreamble('v1'), socket as net.Socket).toString()).toBe(
      'PROXY TCP4 127.0.0.1 127.0.0.9 50000 25\r\n',
    );
  });
});

describe('unmapIpv4', () => {
  it('unmaps IPv4-mapped IPv6 addresses only', () => {
    expect(unmapIpv4('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(unmapIpv4('::FFFF:10.0.0.1')).toBe('10.0.0.1');
    expect(unmapIpv4('::ffff:abcd')).toBe('::ffff:abcd');
    expect(unmapIpv4('2001:db8::1')).toBe('2001:db8::1');
  });
});
