import net from 'node:net';

/**
 * HAProxy's PROXY protocol, versions 1 (text) and 2 (binary): read on the
 * listener when `acceptProxy` is set, written to backends whose pool asks
 * for it. Only the TCP address pair is used; v2 TLVs are skipped.
 */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export interface ProxyHeader {
  /** The real client; undefined for `PROXY UNKNOWN` and v2 LOCAL (health checks of the proxy itself). */
  readonly source: Endpoint | undefined;
  readonly destination: Endpoint | undefined;
}

export class ProxyHeaderError extends Error {}

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_MAX = 107;

/**
 * Parses a header at the start of `buffer`: `{ header, length }` once it is
 * complete, undefined while more bytes are needed; throws ProxyHeaderError.
 */
export function parseProxyHeader(buffer: Buffer): { header: ProxyHeader; length: number } | undefined {
  const probe = Math.min(buffer.length, V2_SIGNATURE.length);
  if (buffer.subarray(0, probe).equals(V2_SIGNATURE.subarray(0, probe))) {
    return buffer.length < 16 ? undefined : parseV2(buffer);
  }
  if (!'PROXY '.startsWith(buffer.subarray(0, 6).toString('latin1')))
    throw new ProxyHeaderError('not a PROXY header');
  const lf = buffer.indexOf(10);
  if (lf < 0) {
    if (buffer.length >= V1_MAX) throw new ProxyHeaderError('PROXY v1 header too long');
    return undefined;
  }
  if (lf + 1 > V1_MAX || buffer[lf - 1] !== 13) throw new ProxyHeaderError('malformed PROXY v1 header');
  const parts = buffer
    .subarray(0, lf - 1)
    .toString('latin1')
    .split(' ');
  if (parts[1] === 'UNKNOWN')
    return { header: { source: undefined, destination: undefined }, length: lf + 1 };
  const [, family, src, dst, sport, dport] = parts;
  const want = family === 'TCP4' ? 4 : family === 'TCP6' ? 6 : 0;
  if (parts.length !== 6 || want === 0 || net.isIP(src!) !== want || net.isIP(dst!) !== want) {
    throw new ProxyHeaderError('malformed PROXY v1 header');
  }
  return {
    header: {
      source: { address: src!, port: port(sport!) },
      destination: { address: dst!, port: port(dport!) },
    },
    length: lf + 1,
  };
}

function parseV2(buffer: Buffer): { header: ProxyHeader; length: number } | undefined {
  const versionCommand = buffer[12]!;
  if (versionCommand >> 4 !== 2) throw new ProxyHeaderError('unsupported PROXY version');
  const length = 16 + buffer.readUInt16BE(14);
  if (buffer.length < length) return undefined;
  const family = buffer[13]!;
  const local = (versionCommand & 0x0f) === 0;
  if (local || (family !== 0x11 && family !== 0x21)) {
    return { header: { source: undefined, destination: undefined }, length };
  }
  const body = buffer.subarray(16, length);
  if (family === 0x11) {
    if (body.length < 12) throw new ProxyHeaderError('short PROXY v2 address block');
    return {
      header: {
        source: { address: ipv4(body.subarray(0, 4)), port: body.readUInt16BE(8) },
        destination: { address: ipv4(body.subarray(4, 8)), port: body.readUInt16BE(10) },
      },
      length,
    };
  }
  if (body.length < 36) throw new ProxyHeaderError('short PROXY v2 address block');
  return {
    header: {
      source: { address: ipv6(body.subarray(0, 16)), port: body.readUInt16BE(32) },
      destination: { address: ipv6(body.subarray(16, 32)), port: body.readUInt16BE(34) },
    },
    length,
  };
}

/** The header for a backend connection; v2 when asked, else v1. Mixed families are sent as UNKNOWN / LOCAL. */
export function encodeProxyHeader(version: 'v1' | 'v2', source: Endpoint, destination: Endpoint): Buffer {
  const src = unmapIpv4(source.address);
  const dst = unmapIpv4(destination.address);
  const family = net.isIP(src);
  const known = family !== 0 && family === net.isIP(dst);
  if (version === 'v1') {
    if (!known) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
    return Buffer.from(`PROXY TCP${family} ${src} ${dst} ${source.port} ${destination.port}\r\n`, 'latin1');
  }
  if (!known) return Buffer.concat([V2_SIGNATURE, Buffer.from([0x20, 0x00, 0x00, 0x00])]);
  const addresses =
    family === 4
      ? Buffer.concat([ipv4Bytes(src), ipv4Bytes(dst)])
      : Buffer.concat([ipv6Bytes(src), ipv6Bytes(dst)]);
  const head = Buffer.from([0x21, family === 4 ? 0x11 : 0x21, 0, 0]);
  head.writeUInt16BE(addresses.length + 4, 2);
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(source.port, 0);
  ports.writeUInt16BE(destination.port, 2);
  return Buffer.concat([V2_SIGNATURE, head, addresses, ports]);
}

/** `::ffff:1.2.3.4` (how a dual-stack socket shows an IPv4 peer) → `1.2.3.4`. */
export function unmapIpv4(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && net.isIPv4(address.slice(7))
    ? address.slice(7)
    : address;
}

function port(text: string): number {
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n > 65535) throw new ProxyHeaderError('malformed PROXY v1 port');
  return n;
}

function ipv4(bytes: Buffer): string {
  return [...bytes].join('.');
}

function ipv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(':');
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  return out;
}
