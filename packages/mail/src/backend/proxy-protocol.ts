import net from 'node:net';
import type { ProxyProtocolVersion } from '../options.js';

/** Both ends of the client's connection to lvs7, as the backend should see them. */
export interface ConnectionEnds {
  readonly sourceAddress: string;
  readonly sourcePort: number;
  readonly destinationAddress: string;
  readonly destinationPort: number;
}

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** `::ffff:1.2.3.4` → `1.2.3.4`, so an IPv4 client is sent as TCP4. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

function family(ends: ConnectionEnds): 4 | 6 | undefined {
  const src = net.isIP(plainAddress(ends.sourceAddress));
  const dst = net.isIP(plainAddress(ends.destinationAddress));
  if (src === 4 && dst === 4) return 4;
  if (src === 6 && dst === 6) return 6;
  return undefined;
}

/** The PROXY protocol header (HAProxy's proxy-protocol.txt) announcing the client to a backend. */
export function proxyProtocolHeader(version: ProxyProtocolVersion, ends: ConnectionEnds): Buffer {
  return version === 'v1' ? proxyV1(ends) : proxyV2(ends);
}

function proxyV1(ends: ConnectionEnds): Buffer {
  const fam = family(ends);
  if (fam === undefined) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  const src = plainAddress(ends.sourceAddress);
  const dst = plainAddress(ends.destinationAddress);
  return Buffer.from(
    `PROXY TCP${fam} ${src} ${dst} ${ends.sourcePort} ${ends.destinationPort}\r\n`,
    'latin1',
  );
}

function ipBytes(address: string, fam: 4 | 6): Buffer {
  if (fam === 4) return Buffer.from(address.split('.').map(Number));
  const sockaddr = new net.SocketAddress({ address, family: 'ipv6' });
  // Expand `::` into the 8 groups, then write them big-endian.
  const [head = '', tail = ''] = sockaddr.address.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = sockaddr.address.includes('::')
    ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
    : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  return out;
}

function proxyV2(ends: ConnectionEnds): Buffer {
  const fam = family(ends);
  if (fam === undefined) {
    // LOCAL command: the backend uses the real connection's addresses.
    return Buffer.concat([V2_SIGNATURE, Buffer.from([0x20, 0x00, 0x00, 0x00])]);
  }
  const src = ipBytes(plainAddress(ends.sourceAddress), fam);
  const dst = ipBytes(plainAddress(ends.destinationAddress), fam);
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(ends.sourcePort, 0);
  ports.writeUInt16BE(ends.destinationPort, 2);
  const body = Buffer.concat([src, dst, ports]);
  const head = Buffer.from([0x21, fam === 4 ? 0x11 : 0x21, 0, 0]);
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([V2_SIGNATURE, head, body]);
}
