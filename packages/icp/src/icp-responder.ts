import type { RemoteInfo } from 'node:dgram';
import type { Logger } from 'pino';
import { IcpAccessList } from './access-list.js';
import { ICP_FLAG_SRC_RTT, IcpOpcode } from './constants.js';
import { InvalidIcpOptionError } from './errors.js';
import type { IcpSocket } from './icp-socket.js';
import { type IcpMessage, sourceRttOptionData } from './message.js';

/**
 * `normal`: a miss is a MISS (the querier may fetch through us).
 * `hit-only`: while starting or overloaded, misses are MISS_NOFETCH ("I am
 * up, do not send me misses"); hits are still HIT (Squid's hit-only mode).
 */
export type IcpResponderMode = 'normal' | 'hit-only';

export interface IcpResponderOptions {
  readonly socket: IcpSocket;
  /** Who may query: CIDRs or addresses; everyone else gets DENIED. */
  readonly allow: readonly string[];
  /** "Do I have this key, fresh?" A promise is awaited (the reply waits for it). */
  readonly has: (url: string) => boolean | Promise<boolean>;
  /** RTT to the URL's origin (ms) when known, for queries with ICP_FLAG_SRC_RTT. */
  readonly sourceRtt?: ((url: string) => number | undefined) | undefined;
  readonly mode?: IcpResponderMode | undefined;
  readonly logger?: Logger | undefined;
}

export interface IcpResponderCounters {
  queries: number;
  hits: number;
  misses: number;
  missNoFetch: number;
  denied: number;
  /** Queries answered ERR: a URL that is empty or has spaces, or a `has` that failed. */
  errors: number;
}

/**
 * Answers ICP QUERY messages (RFC 2186) arriving on an IcpSocket: DENIED to
 * sources outside the access list, ERR for unusable URLs, else HIT or
 * MISS / MISS_NOFETCH from `has(url)` and the mode. Replies echo the request
 * number and URL and go out from the socket the query came in on.
 */
export class IcpResponder {
  readonly #socket: IcpSocket;
  readonly #acl: IcpAccessList;
  readonly #has: IcpResponderOptions['has'];
  readonly #sourceRtt: IcpResponderOptions['sourceRtt'];
  readonly #logger: Logger | undefined;
  readonly #counters: IcpResponderCounters = {
    queries: 0,
    hits: 0,
    misses: 0,
    missNoFetch: 0,
    denied: 0,
    errors: 0,
  };
  readonly #onQuery = (message: IcpMessage, from: RemoteInfo) => this.#answer(message, from);
  #mode: IcpResponderMode;

  constructor(options: IcpResponderOptions) {
    if (typeof options.has !== 'function') throw new InvalidIcpOptionError('has', 'expected a function');
    this.#socket = options.socket;
    this.#acl = new IcpAccessList(options.allow);
    this.#has = options.has;
    this.#sourceRtt = options.sourceRtt;
    this.#logger = options.logger;
    this.#mode = checkMode(options.mode ?? 'normal');
    this.#socket.attachResponder(this.#onQuery);
  }

  get mode(): IcpResponderMode {
    return this.#mode;
  }

  /** Switch to `hit-only` while starting or overloaded, back to `normal` when ready. */
  setMode(mode: IcpResponderMode): void {
    this.#mode = checkMode(mode);
  }

  /** Counters so far, with the socket's count of malformed datagrams dropped. */
  get counters(): Readonly<IcpResponderCounters> & { readonly malformed: number } {
    return { ...this.#counters, malformed: this.#socket.counters.malformed };
  }

  /** Stops answering (the socket stays open: it may be shared). */
  close(): void {
    this.#socket.detach(this.#onQuery);
  }

  #answer(query: IcpMessage, from: RemoteInfo): void {
    this.#counters.queries++;
    if (!this.#acl.allows(from.address)) {
      this.#counters.denied++;
      this.#reply(query, from, IcpOpcode.DENIED);
      return;
    }
    if (!usableUrl(query.url)) {
      this.#counters.errors++;
      this.#reply(query, from, IcpOpcode.ERR);
      return;
    }
    let has: boolean | Promise<boolean>;
    try {
      has = this.#has(query.url);
    } catch (error) {
      this.#failed(query, from, error);
      return;
    }
    if (typeof has === 'boolean') {
      this.#verdict(query, from, has);
      return;
    }
    has.then(
      (value) => this.#verdict(query, from, value === true),
      (error: unknown) => this.#failed(query, from, error),
    );
  }

  #verdict(query: IcpMessage, from: RemoteInfo, hit: boolean): void {
    if (this.#socket.closed) return;
    let opcode: IcpOpcode;
    if (hit) {
      this.#counters.hits++;
      opcode = IcpOpcode.HIT;
    } else if (this.#mode === 'hit-only') {
      this.#counters.missNoFetch++;
      opcode = IcpOpcode.MISS_NOFETCH;
    } else {
      this.#counters.misses++;
      opcode = IcpOpcode.MISS;
    }
    this.#reply(query, from, opcode);
  }

  #failed(query: IcpMessage, from: RemoteInfo, error: unknown): void {
    this.#counters.errors++;
    this.#logger?.warn({ err: error, url: query.url }, 'ICP responder: has() failed');
    if (!this.#socket.closed) this.#reply(query, from, IcpOpcode.ERR);
  }

  #reply(query: IcpMessage, from: RemoteInfo, opcode: IcpOpcode): void {
    let options = 0;
    let optionData = 0;
    // SRC_RTT only in answer to a query that asked, and only when the RTT is known (as Squid).
    if ((query.options & ICP_FLAG_SRC_RTT) !== 0 && opcode !== IcpOpcode.DENIED && this.#sourceRtt) {
      const rtt = this.#sourceRtt(query.url);
      if (rtt !== undefined) {
        options = ICP_FLAG_SRC_RTT;
        optionData = sourceRttOptionData(rtt);
      }
    }
    const reply: IcpMessage = {
      opcode,
      requestNumber: query.requestNumber,
      options,
      optionData,
      senderAddress: 0,
      url: query.url,
    };
    this.#socket.sendTo(reply, from.address, from.port);
  }
}

function checkMode(mode: IcpResponderMode): IcpResponderMode {
  if (mode !== 'normal' && mode !== 'hit-only') {
    throw new InvalidIcpOptionError('mode', `expected "normal" or "hit-only", got "${String(mode)}"`);
  }
  return mode;
}

/** Squid answers ERR to a URL it cannot parse; lvs7 checks only what a cache key needs. */
function usableUrl(url: string): boolean {
  if (url.length === 0) return false;
  for (let i = 0; i < url.length; i++) {
    const code = url.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return false;
  }
  return true;
}
