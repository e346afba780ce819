import net from 'node:net';
import { type Endpoint, type ProxyVersion, V2_SIGNATURE } from './header.js';
import { ipv6Groups } from './ip.js';

/** `::ffff:1.2.3.4` (how a dual-stack socket shows an IPv4 peer) → `1.2.3.4`; zone ids dropped. */
export function unmapIpv4(address: string): string {
  const plain = address.includes('%') ? address.slice(0, address.indexOf('%')) : address;
  return plain.length > 7 && plain.slice(0, 7).toLowerCase() === '::ffff:' && net.isIPv4(plain.slice(7))
    ? plain.slice(7)
    : plain;
}

/**
 * The header announcing `source` (the client) and `destination` (where it
 * connected) to a backend. Mixed families are sent as IPv6 with the IPv4
 * side mapped (`::ffff:a.b.c.d`), as HAProxy does; an address that is not
 * an IP (unknown client) gives `PROXY UNKNOWN` (v1) or LOCAL (v2), which
 * tells the backend to use the connection's own addresses.
 */
export function encodeProxyHeader(version: ProxyVersion, source: Endpoint, destination: Endpoint): Buffer {
  let src = unmapIpv4(source.address);
  let dst = unmapIpv4(destination.address);
  const fs = net.isIP(src);
  const fd = net.isIP(dst);
  if (fs === 0 || fd === 0) return encodeLocalProxyHeader(version);
  if (fs !== fd) {
    if (fs === 4) src = `::ffff:${src}`;
    else dst = `::ffff:${dst}`;
  }
  const family: 4 | 6 = fs === 4 && fd === 4 ? 4 : 6;
  if (version === 'v1') {
    return Buffer.from(`PROXY TCP${family} ${src} ${dst} ${source.port} ${destination.port}\r\n`, 'latin1');
  }
  const size = family === 4 ? 12 : 36;
  const out = Buffer.allocUnsafe(16 + size);
  V2_SIGNATURE.copy(out, 0);
  out[12] = 0x21; // version 2, PROXY
  out[13] = family === 4 ? 0x11 : 0x21; // TCP over IPv4 / IPv6
  out.writeUInt16BE(size, 14);
  const half = family === 4 ? 4 : 16;
  writeIp(out, 16, src, family);
  writeIp(out, 16 + half, dst, family);
  out.writeUInt16BE(source.port, 16 + 2 * half);
  out.writeUInt16BE(destination.port, 18 + 2 * half);
  return out;
}

const LOCAL_V1 = Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
const LOCAL_V2 = Buffer.concat([V2_SIGNATURE, Buffer.from([0x20, 0x00, 0x00, 0x00])]);

/**
 * The header of a connection lvs7 makes on its own behalf, with no client
 * behind it: v2 LOCAL, or v1 `PROXY UNKNOWN`; either way the backend keeps
 * the connection's real addresses. (Postfix refuses `PROXY UNKNOWN`: use
 * localPreamble, which sends v1 with the connection's own addresses.)
 */
export function encodeLocalProxyHeader(version: ProxyVersion): Buffer {
  return Buffer.from(version === 'v1' ? LOCAL_V1 : LOCAL_V2);
}

/**
 * What a connection writes first to a server that expects a PROXY header:
 * fixed bytes, or bytes made from the connected socket (see localPreamble).
 */
export type Preamble = Buffer | ((socket: net.Socket) => Buffer);

/** The bytes of `preamble` for a connected `socket`. */
export function preambleBytes(preamble: Preamble, socket: net.Socket): Buffer {
  return typeof preamble === 'function' ? preamble(socket) : preamble;
}

/**
 * The header of lvs7's own connections (health checks, HAProxy's
 * check-send-proxy; SMTP capability probes): v2 LOCAL; in v1, which has no
 * LOCAL, the connection's own addresses (lvs7 as the client), which every
 * receiver takes (Postfix refuses v1 `PROXY UNKNOWN`).
 */
export function localPreamble(version: ProxyVersion): Preamble {
  if (version === 'v2') return encodeLocalProxyHeader('v2');
  return (socket) =>
    encodeProxyHeader(
      'v1',
      { address: socket.localAddress ?? '', port: socket.localPort ?? 0 },
      { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
    );
}

function writeIp(out: Buffer, at: number, address: string, family: 4 | 6): void {
  if (family === 4) {
    const parts = address.split('.');
    for (let i = 0; i < 4; i++) out[at + i] = Number(parts[i]);
    return;
  }
  for (const [i, group] of ipv6Groups(address).entries()) out.writeUInt16BE(group, at + i * 2);
}
