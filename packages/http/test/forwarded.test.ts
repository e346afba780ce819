import { describe, expect, it } from 'vitest';
import { compileTrustedProxies, forwardedLines, normalizeAddress } from '../src/forwarded.js';
import { parseRequestHead, RequestHead } from '../src/http1/request-head.js';

const req = (fields: string) => {
  const h = new RequestHead();
  parseRequestHead(
    Buffer.from(`GET / HTTP/1.1\r\nHost: site.example\r\n${fields}\r\n`),
    0,
    {
      maxHeaderSize: 8192,
      maxHeaders: 100,
      maxRequestLine: 8192,
    },
    h,
  );
  return h;
};

describe('trusted proxies', () => {
  const trusted = compileTrustedProxies(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);
  it('matches IPv4 and IPv6 CIDRs and single addresses', () => {
    expect(trusted('10.1.2.3')).toBe(true);
    expect(trusted('11.1.2.3')).toBe(false);
    expect(trusted('192.168.1.7')).toBe(true);
    expect(trusted('192.168.1.8')).toBe(false);
    expect(trusted('fd12::1')).toBe(true);
    expect(trusted('fe80::1')).toBe(false);
    expect(trusted('')).toBe(false);
    expect(compileTrustedProxies(undefined)('10.0.0.1')).toBe(false);
  });
  it('rejects invalid CIDRs', () => {
    expect(() => compileTrustedProxies(['10.0.0.0/33'])).toThrow(/prefix/);
    expect(() => compileTrustedProxies(['not-an-ip'])).toThrow(/invalid/);
  });
  it('normalizes IPv4-mapped IPv6 client addresses', () => {
    expect(normalizeAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeAddress('::1')).toBe('::1');
  });
});

describe('forwarded fields', () => {
  const incoming =
    'X-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2\r\nX-Forwarded-Proto: https\r\nForwarded: for=1.1.1.1\r\n';
  it('xff: replaces for untrusted peers', () => {
    expect(forwardedLines('xff', req(incoming), { address: '9.9.9.9', trusted: false, proto: 'http' })).toBe(
      'X-Forwarded-For: 9.9.9.9\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: site.example\r\n',
    );
  });
  it('xff: appends for trusted peers and keeps their proto', () => {
    expect(forwardedLines('xff', req(incoming), { address: '10.0.0.1', trusted: true, proto: 'http' })).toBe(
      'X-Forwarded-For: 1.1.1.1, 2.2.2.2, 10.0.0.1\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: site.example\r\n',
    );
  });
  it('rfc7239: quotes IPv6 and appends to trusted values', () => {
    expect(
      forwardedLines('rfc7239', req(incoming), { address: '2001:db8::1', trusted: false, proto: 'https' }),
    ).toBe('Forwarded: for="[2001:db8::1]";proto=https;host=site.example\r\n');
    expect(
      forwardedLines('rfc7239', req(incoming), { address: '10.0.0.1', trusted: true, proto: 'http' }),
    ).toBe('Forwarded: for=1.1.1.1, for=10.0.0.1;proto=http;host=site.example\r\n');
  });
  it('none: adds nothing', () => {
    expect(forwardedLines('none', req(incoming), { address: '9.9.9.9', trusted: false, proto: 'http' })).toBe(
      '',
    );
  });
});
