import { BlockList, isIP } from 'node:net';
import { InvalidHttpOptionError } from './errors.js';
import type { RequestHead } from './http1/request-head.js';
import type { ForwardedMode } from './options.js';
import type { ConnectionEnds } from './proxy-protocol.js';

/** Client address as a plain IP: IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes a.b.c.d. */
export function normalizeAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') && address.indexOf('.') > 0 ? address.slice(7) : address;
}

/**
 * trustedProxies as a predicate. net.BlockList does the CIDR math (IPv4 and
 * IPv6) natively; the answer is computed once per client connection.
 */
export function compileTrustedProxies(cidrs: readonly string[] | undefined): (address: string) => boolean {
  if (cidrs === undefined || cidrs.length === 0) return () => false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const slash = cidr.indexOf('/');
    const ip = slash < 0 ? cidr : cidr.slice(0, slash);
    const family = isIP(ip);
    if (family === 0) throw new InvalidHttpOptionError(`trustedProxies: invalid address "${cidr}"`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (slash < 0) list.addAddress(ip, type);
    else {
      const prefix = Number(cidr.slice(slash + 1));
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
        throw new InvalidHttpOptionError(`trustedProxies: invalid prefix in "${cidr}"`);
      }
      list.addSubnet(ip, prefix, type);
    }
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** Per-connection facts the forwarded fields are made of. */
export interface ClientInfo {
  readonly address: string;
  readonly trusted: boolean;
  /** 'http' or 'https'. */
  readonly proto: string;
  /** Both ends of the client's connection (PROXY header's if any), for pools with sendProxy. */
  readonly ends?: ConnectionEnds | undefined;
}

/**
 * The forwarded lines for one request. Incoming values are kept (and ours
 * appended) only when the peer is a trusted proxy; otherwise they are
 * replaced, so a client cannot forge its address for the server.
 */
export function forwardedLines(mode: ForwardedMode, req: RequestHead, client: ClientInfo): string {
  if (mode === 'none') return '';
  if (mode === 'xff') {
    let xff = '';
    let proto = '';
    let host = '';
    if (client.trusted) {
      const { lower, values } = req;
      for (let i = 0; i < lower.length; i++) {
        const l = lower[i]!;
        if (l === 'x-forwarded-for') xff = xff === '' ? values[i]! : xff + ', ' + values[i];
        else if (l === 'x-forwarded-proto' && proto === '') proto = values[i]!;
        else if (l === 'x-forwarded-host' && host === '') host = values[i]!;
      }
    }
    xff = xff === '' ? client.address : xff + ', ' + client.address;
    let lines = 'X-Forwarded-For: ' + xff + '\r\nX-Forwarded-Proto: ' + (proto || client.proto) + '\r\n';
    if (host !== '' || req.authority !== '') lines += 'X-Forwarded-Host: ' + (host || req.authority) + '\r\n';
    return lines;
  }
  let element = 'for=' + forwardedNode(client.address) + ';proto=' + client.proto;
  if (req.authority !== '') element += ';host=' + quoteIfNeeded(req.authority);
  if (client.trusted) {
    const { lower, values } = req;
    let incoming = '';
    for (let i = 0; i < lower.length; i++) {
      if (lower[i] === 'forwarded') incoming = incoming === '' ? values[i]! : incoming + ', ' + values[i];
    }
    if (incoming !== '') element = incoming + ', ' + element;
  }
  return 'Forwarded: ' + element + '\r\n';
}

/** RFC 7239 §6: IPv6 nodes are bracketed and quoted. */
function forwardedNode(address: string): string {
  if (address === '') return 'unknown';
  return address.includes(':') ? '"[' + address + ']"' : address;
}

function quoteIfNeeded(value: string): string {
  return /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(value) ? value : '"' + value.replace(/["\\]/g, '\\$&') + '"';
}
