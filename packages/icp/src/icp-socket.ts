import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { icpChannels } from './channels.js';
import { IcpOpcode, MAX_MESSAGE_SIZE } from './constants.js';
import { decodeMessage, MALFORMED_REASONS, type MalformedReason } from './decode.js';
import { encodeInto } from './encode.js';
import { IcpHandlerTakenError, IcpSocketClosedError } from './errors.js';
import type { IcpMessage } from './message.js';

export interface IcpSocketOptions {
  /** Address to bind; default 0.0.0.0 (an IPv6 address makes a udp6 socket). */
  readonly host?: string | undefined;
  /** ICP port to bind; default 0 (any free port — a cache node uses 3130). */
  readonly port?: number | undefined;
  readonly logger?: Logger | undefined;
}

/** Where a datagram came from or goes to. */
export interface IcpEndpoint {
  readonly host: string;
  readonly port: number;
}

/** Receives decoded messages from the socket: QUERY for the responder, everything else for the client. */
export type IcpMessageHandler = (message: IcpMessage, from: RemoteInfo) => void;

export interface IcpSocketCounters {
  received: number;
  sent: number;
  sendErrors: number;
  /** Malformed datagrams dropped, total and by reason. */
  malformed: number;
  readonly malformedBy: Record<MalformedReason, number>;
  /** Valid messages nobody was attached to handle (a QUERY with no responder, a reply with no client). */
  unhandled: number;
}

// dgram.send() keeps the buffer until the send completes (asynchronously: it
// resolves the address first), so one reused buffer would be overwritten by
// the next message. Messages are encoded into consecutive slices of a slab
// instead; a full slab is dropped (in-flight sends keep it alive) for a new one.
const SLAB_SIZE = 256 * 1024;

/**
 * One UDP socket speaking ICP: decodes each datagram once and hands QUERY
 * messages to the responder and replies to the client, so a cache node can
 * answer its peers and query them from one ICP port, as Squid does.
 */
export class IcpSocket {
  readonly counters: IcpSocketCounters = {
    received: 0,
    sent: 0,
    sendErrors: 0,
    malformed: 0,
    malformedBy: Object.fromEntries(MALFORMED_REASONS.map((r) => [r, 0])) as Record<MalformedReason, number>,
    unhandled: 0,
  };
  readonly #socket: Socket;
  readonly #logger: Logger | undefined;
  #onQuery: IcpMessageHandler | undefined;
  #onReply: IcpMessageHandler | undefined;
  #slab = Buffer.allocUnsafe(SLAB_SIZE);
  #slabOffset = 0;
  #closed = false;

  private constructor(socket: Socket, logger: Logger | undefined) {
    this.#socket = socket;
    this.#logger = logger;
    socket.on('message', (bytes, from) => this.#receive(bytes, from));
    socket.on('error', (error) => this.#logger?.warn({ err: error }, 'ICP socket error'));
  }

  /** Binds a new socket; resolves once it listens. */
  static bind(options: IcpSocketOptions = {}): Promise<IcpSocket> {
    const host = options.host ?? '0.0.0.0';
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      // A client's socket (port 0) is its own: in a worker of `workers: N`, a socket shared through the
      // primary would hand the answers to a query to whichever worker reads first.
      const port = options.port ?? 0;
      socket.bind({ port, address: host, exclusive: port === 0 }, () => {
        socket.off('error', reject);
        resolve(new IcpSocket(socket, options.logger));
      });
    });
  }

  get address(): IcpEndpoint {
    const { address, port } = this.#socket.address();
    return { host: address, port };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The responder attaches here (one per socket). */
  attachResponder(handler: IcpMessageHandler): void {
    if (this.#onQuery) throw new IcpHandlerTakenError('responder');
    this.#onQuery = handler;
  }

  /** The client attaches here (one per socket). */
  attachClient(handler: IcpMessageHandler): void {
    if (this.#onReply) throw new IcpHandlerTakenError('client');
    this.#onReply = handler;
  }

  detach(handler: IcpMessageHandler): void {
    if (this.#onQuery === handler) this.#onQuery = undefined;
    if (this.#onReply === handler) this.#onReply = undefined;
  }

  /**
   * Encodes `message` once and sends it to every target. Throws
   * IcpEncodeError for a message that cannot be encoded and
   * IcpSocketClosedError after close(); send failures are counted and logged.
   */
  send(message: IcpMessage, targets: readonly IcpEndpoint[]): void {
    const bytes = this.#encode(message);
    for (const target of targets) this.#socket.send(bytes, target.port, target.host, this.#afterSend);
  }

  /** send() to one target, without building a target list (the responder's reply path). */
  sendTo(message: IcpMessage, host: string, port: number): void {
    this.#socket.send(this.#encode(message), port, host, this.#afterSend);
  }

  #encode(message: IcpMessage): Buffer {
    if (this.#closed) throw new IcpSocketClosedError();
    if (SLAB_SIZE - this.#slabOffset < MAX_MESSAGE_SIZE) {
      this.#slab = Buffer.allocUnsafe(SLAB_SIZE);
      this.#slabOffset = 0;
    }
    const start = this.#slabOffset;
    const length = encodeInto(message, this.#slab, start);
    this.#slabOffset = (start + length + 7) & ~7;
    return this.#slab.subarray(start, start + length);
  }

  readonly #afterSend = (error: Error | null): void => {
    if (error) {
      this.counters.sendErrors++;
      this.#logger?.warn({ err: error }, 'ICP send failed');
    } else {
      this.counters.sent++;
    }
  };

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }

  /** Lets the process exit while only this socket is open (e.g. a client used by a CLI). */
  unref(): this {
    this.#socket.unref();
    return this;
  }

  #receive(bytes: Buffer, from: RemoteInfo): void {
    this.counters.received++;
    const result = decodeMessage(bytes);
    if (!result.ok) {
      this.counters.malformed++;
      this.counters.malformedBy[result.reason]++;
      if (icpChannels.malformed.hasSubscribers) {
        icpChannels.malformed.publish({ reason: result.reason, address: from.address, port: from.port });
      }
      return;
    }
    const handler = result.message.opcode === IcpOpcode.QUERY ? this.#onQuery : this.#onReply;
    if (handler) handler(result.message, from);
    else this.counters.unhandled++;
  }
}
