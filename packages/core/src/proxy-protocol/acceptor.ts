import net, { BlockList } from 'node:net';
import { Lvs7Error } from '../errors.js';
import { unmapIpv4 } from './encode.js';
import type { Endpoint, ProxyHeader } from './header.js';
import { readProxyHeader } from './read.js';

export class InvalidCidrError extends Lvs7Error {
  constructor(what: string, value: string) {
    super('LVS7_ERR_INVALID_CIDR', `${what}: invalid address or CIDR "${value}"`);
  }
}

/** Addresses and CIDR blocks (IPv4 and IPv6) as a predicate; IPv4-mapped IPv6 peers match IPv4 blocks. */
export function cidrMatcher(cidrs: readonly string[], what = 'address list'): (address: string) => boolean {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const slash = cidr.indexOf('/');
    const ip = slash < 0 ? cidr : cidr.slice(0, slash);
    const family = net.isIP(ip);
    if (family === 0) throw new InvalidCidrError(what, cidr);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (slash < 0) {
      list.addAddress(ip, type);
      continue;
    }
    const text = cidr.slice(slash + 1);
    const prefix = Number(text);
    if (!/^\d{1,3}$/.test(text) || prefix > (family === 4 ? 32 : 128)) throw new InvalidCidrError(what, cidr);
    list.addSubnet(ip, prefix, type);
  }
  return (address) => {
    const plain = unmapIpv4(address);
    const family = net.isIP(plain);
    return family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  };
}

export interface ProxyAcceptorOptions {
  /**
   * Peers that must send a PROXY header (the balancers in front). Absent or
   * empty: every peer must. Other peers are direct clients: no header is
   * read from them, and a header they send is just bytes of their protocol
   * (a bad command), never believed.
   */
  readonly from?: readonly string[] | undefined;
  /** ms for the header; default 5 000. */
  readonly timeoutMs?: number | undefined;
  /** Longest v2 header (bytes); default 4 096. */
  readonly maxLength?: number | undefined;
}

/** A client connection as the listener should see it. */
export interface AcceptedConnection {
  /** The real client: from the header, or the peer (direct client, LOCAL, UNKNOWN). */
  readonly client: Endpoint;
  /** Where the client connected: the header's destination, or our own socket address. */
  readonly local: Endpoint;
  /** The header, when one was read. */
  readonly header: ProxyHeader | undefined;
  /** Bytes read past the header: give them back to the protocol (socket.unshift or as initial data). */
  readonly rest: Buffer;
}

/**
 * A listener's `acceptProxy` policy: decides from the peer address whether a
 * header is due and reads it (before TLS, before any greeting). The socket
 * is paused afterwards; on failure it is destroyed and the promise rejects.
 */
export class ProxyAcceptor {
  readonly #trusted: ((address: string) => boolean) | undefined;
  readonly #timeoutMs: number | undefined;
  readonly #maxLength: number | undefined;

  constructor(options: ProxyAcceptorOptions = {}) {
    const from = options.from ?? [];
    this.#trusted = from.length === 0 ? undefined : cidrMatcher(from, 'acceptProxyFrom');
    this.#timeoutMs = options.timeoutMs;
    this.#maxLength = options.maxLength;
  }

  /** Whether a connection from `peer` must start with a PROXY header. */
  expects(peer: string): boolean {
    return this.#trusted === undefined || this.#trusted(peer);
  }

  async accept(socket: net.Socket): Promise<AcceptedConnection> {
    const peer = directEnds(socket);
    if (!this.expects(peer.client.address)) return { ...peer, header: undefined, rest: EMPTY };
    try {
      const { header, rest } = await readProxyHeader(socket, {
        timeoutMs: this.#timeoutMs,
        maxLength: this.#maxLength,
      });
      const source = header.source;
      const destination = header.destination;
      return {
        client:
          source === undefined ? peer.client : { address: unmapIpv4(source.address), port: source.port },
        local:
          destination === undefined
            ? peer.local
            : { address: unmapIpv4(destination.address), port: destination.port },
        header,
        rest,
      };
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }
}

const EMPTY = Buffer.alloc(0);

/** Both ends of a socket as seen without any PROXY header (IPv4-mapped addresses unmapped). */
export function directEnds(socket: net.Socket): { client: Endpoint; local: Endpoint } {
  return {
    client: { address: unmapIpv4(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 },
    local: { address: unmapIpv4(socket.localAddress ?? ''), port: socket.localPort ?? 0 },
  };
}
