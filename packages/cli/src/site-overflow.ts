import net from 'node:net';
import { directEnds, type Endpoint, encodeProxyHeader, readProxyHeader, unmapIpv4 } from '@lvs7/core';
import type { HttpOverflowHook } from '@lvs7/http';
import type { OverflowTrafficEvent, Site } from '@lvs7/site';
import type { Logger } from 'pino';

/** How long a peer site gets to accept a forwarded connection before it is served here. */
const CONNECT_TIMEOUT_MS = 2_000;
/** How long a peer's connection to our site address gets for its PROXY header. */
const PROXY_HEADER_TIMEOUT_MS = 5_000;

/** Both ends of a client connection as a PROXY header named them. */
export interface ConnectionEnds {
  client: Endpoint;
  local: Endpoint;
}

/** Serves a connection here: `ends` when a peer's PROXY header named the real client. */
export type ServeConnection = (socket: net.Socket, ends?: ConnectionEnds) => void;

/**
 * The listeners' side of a site's overflow. HTTP listeners get a hook and
 * decide per request; IMAP, POP3 and SMTP listeners get a front that sees
 * each new connection before any protocol byte: a connection to our site
 * address from a peer carries a PROXY header (the mark) and is served
 * here, never forwarded again; any other may be spliced to a peer site
 * (TLS passes through, the peer terminates it), or served here if the peer
 * cannot be reached.
 */
export class SiteOverflow {
  readonly site: Site;
  readonly #logger: Logger;

  constructor(site: Site, logger: Logger) {
    this.site = site;
    this.#logger = logger;
  }

  get name(): string {
    return this.site.name;
  }

  /** This site's unicast address: overflow leaves from it and arrives at it. */
  get address(): string {
    return this.site.options.address;
  }

  isPeer(address: string): boolean {
    return this.site.peerAt(address) !== undefined;
  }

  /** Peer addresses, trusted for X-Forwarded-For / Forwarded by HTTP listeners. */
  peerAddresses(): string[] {
    return this.site.options.peers.map((p) => p.address);
  }

  record(event: OverflowTrafficEvent, listener: string, protocol: string, peer: string): void {
    this.site.traffic.record(event, listener, protocol, peer);
  }

  httpHook(listener: string): HttpOverflowHook {
    const site = this.site;
    return {
      site: site.name,
      address: this.address,
      decide: () => site.decide(),
      peerAt: (address) => site.peerAt(address),
      record: (event, peer) => this.record(event, listener, 'http', peer),
    };
  }

  /**
   * The front of a TCP (mail) listener: returns true when it took the
   * socket, which it then either splices to a peer or hands to `serve`.
   */
  front(listener: string, protocol: string, port: () => number, serve: ServeConnection) {
    return (socket: net.Socket): boolean => {
      const ends = directEnds(socket);
      const peer = this.site.peerAt(ends.client.address);
      if (peer !== undefined && ends.local.address === this.address) {
        this.#receive(socket, listener, protocol, peer, serve);
        return true;
      }
      const target = this.site.decide();
      if (target === undefined) return false;
      this.#forward(socket, { address: target.address, port: port() }, ends, (ok) => {
        this.record(ok ? 'forwarded' : 'failed', listener, protocol, target.peer);
        if (ok || socket.destroyed) return;
        serve(socket);
        socket.resume(); // paused while the peer was tried
      });
      return true;
    };
  }

  /** A peer's forwarded connection: the PROXY header names the client; served here. */
  #receive(socket: net.Socket, listener: string, protocol: string, peer: string, serve: ServeConnection) {
    socket.on('error', () => socket.destroy());
    readProxyHeader(socket, { timeoutMs: PROXY_HEADER_TIMEOUT_MS }).then(
      ({ header, rest }) => {
        this.record('received', listener, protocol, peer);
        if (rest.length > 0) socket.unshift(rest);
        const { source, destination } = header;
        const unmap = (e: Endpoint) => ({ address: unmapIpv4(e.address), port: e.port });
        serve(
          socket,
          source === undefined
            ? undefined
            : { client: unmap(source), local: destination ? unmap(destination) : directEnds(socket).local },
        );
        socket.resume();
      },
      (error: Error) => {
        this.#logger.info(
          { peer, listener, err: error.message },
          'peer site connection without PROXY header',
        );
        socket.destroy();
      },
    );
  }

  /** Splices `client` to the peer after a PROXY v2 header; `done(false)` when the peer cannot be reached. */
  #forward(
    client: net.Socket,
    target: Endpoint,
    ends: { client: Endpoint; local: Endpoint },
    done: (ok: boolean) => void,
  ): void {
    client.pause();
    let connected = false;
    const up = net.connect({ host: target.address, port: target.port, localAddress: this.address });
    up.setNoDelay(true);
    client.setNoDelay(true);
    const timer = setTimeout(() => up.destroy(new Error('connect timeout')), CONNECT_TIMEOUT_MS);
    const onClientGone = () => {
      if (!connected) up.destroy();
    };
    client.once('close', onClientGone);
    client.on('error', () => client.destroy());
    up.once('connect', () => {
      clearTimeout(timer);
      connected = true;
      up.write(encodeProxyHeader('v2', ends.client, ends.local));
      client.pipe(up);
      up.pipe(client);
      client.once('close', () => up.destroy());
      up.once('close', () => client.destroySoon());
      client.resume();
      done(true);
    });
    up.on('error', (error) => {
      if (connected) return;
      clearTimeout(timer);
      client.off('close', onClientGone);
      this.#logger.debug({ err: error.message, peer: target.address }, 'overflow: peer site unreachable');
      done(false);
    });
  }
}
