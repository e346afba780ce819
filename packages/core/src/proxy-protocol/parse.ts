import net from 'node:net';
import {
  DEFAULT_MAX_HEADER_LENGTH,
  type Endpoint,
  type ProxyHeader,
  ProxyHeaderError,
  V1_MAX_LENGTH,
  V2_SIGNATURE,
} from './header.js';
import { formatIpv6, ipv6Groups } from './ip.js';

export interface ParsedProxyHeader {
  readonly header: ProxyHeader;
  /** Bytes the header took; what follows belongs to the client's protocol. */
  readonly length: number;
}

const UNKNOWN: ProxyHeader = Object.freeze({ source: undefined, destination: undefined });

/**
 * Parses a PROXY header (v1 or v2) at the start of `buffer`. Returns
 * undefined while more bytes are needed, the header and its length once
 * complete; throws ProxyHeaderError as soon as the bytes cannot be one (so
 * a client that never sends a header is refused on its first bytes, not at
 * the timeout). v2 TLVs are skipped.
 */
export function parseProxyHeader(
  buffer: Buffer,
  maxLength = DEFAULT_MAX_HEADER_LENGTH,
): ParsedProxyHeader | undefined {
  if (buffer.length === 0) return undefined;
  if (buffer[0] === V2_SIGNATURE[0]) return parseV2(buffer, maxLength);
  return parseV1(buffer);
}

function invalid(message: string): ProxyHeaderError {
  return new ProxyHeaderError('LVS7_ERR_PROXY_HEADER_INVALID', message);
}

function parseV1(buffer: Buffer): ParsedProxyHeader | undefined {
  const probe = Math.min(buffer.length, 6);
  if (buffer.toString('latin1', 0, probe) !== 'PROXY '.slice(0, probe)) throw invalid('not a PROXY header');
  const lf = buffer.indexOf(0x0a);
  if (lf < 0) {
    if (buffer.length >= V1_MAX_LENGTH)
      throw new ProxyHeaderError('LVS7_ERR_PROXY_HEADER_TOO_LONG', 'PROXY v1 line too long');
    return undefined;
  }
  if (lf + 1 > V1_MAX_LENGTH)
    throw new ProxyHeaderError('LVS7_ERR_PROXY_HEADER_TOO_LONG', 'PROXY v1 line too long');
  if (buffer[lf - 1] !== 0x0d) throw invalid('PROXY v1 line does not end in CRLF');
  const line = buffer.toString('latin1', 0, lf - 1);
  const parts = line.split(' ');
  // "PROXY UNKNOWN" may carry anything up to the CRLF: the receiver uses the real connection.
  if (parts[1] === 'UNKNOWN') return { header: UNKNOWN, length: lf + 1 };
  const [, family, src, dst, sport, dport] = parts;
  const want = family === 'TCP4' ? 4 : family === 'TCP6' ? 6 : 0;
  if (parts.length !== 6 || want === 0) throw invalid('malformed PROXY v1 line');
  if (net.isIP(src!) !== want || net.isIP(dst!) !== want) throw invalid('bad address in PROXY v1 line');
  return {
    header: {
      source: { address: canonical(src!, want), port: v1Port(sport!) },
      destination: { address: canonical(dst!, want), port: v1Port(dport!) },
    },
    length: lf + 1,
  };
}

function v1Port(text: string): number {
  // The spec: decimal, no leading zero, 0-65535.
  if (!/^(0|[1-9]\d{0,4})$/.test(text) || Number(text) > 65535) throw invalid('bad port in PROXY v1 line');
  return Number(text);
}

function parseV2(buffer: Buffer, maxLength: number): ParsedProxyHeader | undefined {
  const probe = Math.min(buffer.length, V2_SIGNATURE.length);
  if (!buffer.subarray(0, probe).equals(V2_SIGNATURE.subarray(0, probe))) throw invalid('not a PROXY header');
  if (buffer.length < 16) return undefined;
  const versionCommand = buffer[12]!;
  if (versionCommand >> 4 !== 2) throw invalid('unsupported PROXY protocol version');
  const command = versionCommand & 0x0f;
  if (command > 1) throw invalid('unknown PROXY v2 command');
  const length = 16 + buffer.readUInt16BE(14);
  if (length > maxLength)
    throw new ProxyHeaderError('LVS7_ERR_PROXY_HEADER_TOO_LONG', `PROXY v2 header over ${maxLength} bytes`);
  if (buffer.length < length) return undefined;
  const family = buffer[13]!;
  // LOCAL: the balancer's own connection (a health check): no client to report.
  if (command === 0) return { header: UNKNOWN, length };
  const body = buffer.subarray(16, length);
  if (family === 0x11) {
    if (body.length < 12) throw invalid('short PROXY v2 address block');
    return {
      header: {
        source: endpoint(ipv4(body.subarray(0, 4)), body.readUInt16BE(8)),
        destination: endpoint(ipv4(body.subarray(4, 8)), body.readUInt16BE(10)),
      },
      length,
    };
  }
  if (family === 0x21) {
    if (body.length < 36) throw invalid('short PROXY v2 address block');
    return {
      header: {
        source: endpoint(ipv6(body.subarray(0, 16)), body.readUInt16BE(32)),
        destination: endpoint(ipv6(body.subarray(16, 32)), body.readUInt16BE(34)),
      },
      length,
    };
  }
  // UNSPEC, UDP or AF_UNIX: nothing we can use as a TCP client address.
  return { header: UNKNOWN, length };
}

function endpoint(address: string, port: number): Endpoint {
  return { address, port };
}

function ipv4(bytes: Buffer): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

function ipv6(bytes: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  return formatIpv6(groups);
}

/** The compressed, lower-case form (`2001:db8::7`), as Node shows peer addresses. */
function canonical(address: string, family: 4 | 6): string {
  return family === 4 ? address : formatIpv6(ipv6Groups(address));
}
