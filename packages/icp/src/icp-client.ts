import type { RemoteInfo } from 'node:dgram';
import { ICP_FLAG_SRC_RTT, IcpOpcode } from './constants.js';
import { InvalidIcpOptionError } from './errors.js';
import type { IcpSocket } from './icp-socket.js';
import { parseIpv4 } from './ipv4.js';
import { type IcpMessage, isHit, sourceRtt } from './message.js';
import { endpointKey, type IcpPeer, validatePeer } from './peer.js';
import { PeerLiveness, type PeerLivenessOptions, type PeerStatus } from './peer-liveness.js';
import type { IcpQueryOptions, IcpQueryResult } from './query-result.js';
import { choosePeer, type IcpPeerReply, rankParentMisses } from './select-peer.js';

export interface IcpClientOptions extends PeerLivenessOptions {
  /** The socket to query from; may be shared with an IcpResponder. */
  readonly socket: IcpSocket;
  /** Default query timeout (ms); default 2,000 (Squid's icp_query_timeout upper bound). */
  readonly timeout?: number | undefined;
}

export interface IcpClientCounters {
  queries: number;
  replies: number;
  hits: number;
  timeouts: number;
  /** Replies from an address:port that is not a configured peer (spoofing or misconfiguration). */
  unknownSender: number;
  /** Replies whose request number, URL or peer matches no open query (late, stale or forged). */
  unmatched: number;
  duplicates: number;
}

interface Target {
  readonly status: PeerStatus;
  readonly expected: boolean;
  replied: boolean;
}

interface OpenQuery {
  readonly url: string;
  readonly requestNumber: number;
  readonly sentAt: number;
  readonly sourceRtt: boolean;
  readonly targets: Map<string, Target>;
  readonly replies: IcpPeerReply[];
  readonly probed: IcpPeer[];
  readonly skipped: IcpPeer[];
  expectedLeft: number;
  repliesLeft: number;
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
  resolve(result: IcpQueryResult): void;
}

/**
 * Queries peers over ICP (RFC 2186/2187): sends the QUERY to every live peer
 * at once, resolves on the first HIT, or when every expected peer answered,
 * or at the timeout, with the parents' misses ranked. Replies are matched by
 * source address:port, request number and URL; anything else is counted and
 * ignored. A query stays open until its timeout even after it resolved, so
 * late replies still count as signs of life and silent peers are marked dead.
 */
export class IcpClient {
  readonly counters: IcpClientCounters = {
    queries: 0,
    replies: 0,
    hits: 0,
    timeouts: 0,
    unknownSender: 0,
    unmatched: 0,
    duplicates: 0,
  };
  readonly #socket: IcpSocket;
  readonly #liveness: PeerLiveness;
  readonly #timeout: number;
  readonly #peers = new Map<string, PeerStatus>();
  readonly #open = new Map<number, OpenQuery>();
  readonly #onReply = (message: IcpMessage, from: RemoteInfo) => this.#receive(message, from);

  constructor(options: IcpClientOptions) {
    this.#socket = options.socket;
    this.#liveness = new PeerLiveness(options);
    this.#timeout = checkTimeout(options.timeout ?? 2_000);
    this.#socket.attachClient(this.#onReply);
  }

  /** What the client knows about every peer it has queried. */
  peers(): { peer: IcpPeer; alive: boolean; unanswered: number }[] {
    return [...this.#peers.values()].map(({ peer, alive, unanswered }) => ({ peer, alive, unanswered }));
  }

  /**
   * Sends a QUERY for `url` to `peers` and resolves with their replies and
   * the chosen peer. Rejects only for caller errors (invalid peer, URL that
   * cannot be encoded, closed socket).
   */
  async query(
    url: string,
    peers: readonly IcpPeer[],
    options: IcpQueryOptions = {},
  ): Promise<IcpQueryResult> {
    const timeout = options.timeout === undefined ? this.#timeout : checkTimeout(options.timeout);
    const requesterAddress = options.requesterAddress === undefined ? 0 : parseIpv4(options.requesterAddress);
    if (requesterAddress === undefined) {
      throw new InvalidIcpOptionError('requesterAddress', 'expected an IPv4 address');
    }
    const sentAt = performance.now();
    const plan = this.#plan(peers, sentAt);
    const requestNumber = this.#requestNumber();
    if (plan.targets.size > 0) {
      const message: IcpMessage = {
        opcode: IcpOpcode.QUERY,
        requestNumber,
        options: options.sourceRtt ? ICP_FLAG_SRC_RTT : 0,
        optionData: 0,
        senderAddress: 0,
        requesterAddress,
        url,
      };
      this.#socket.send(message, plan.endpoints);
    }
    this.counters.queries++;
    return new Promise((resolve) => {
      const query: OpenQuery = {
        url,
        requestNumber,
        sentAt,
        sourceRtt: options.sourceRtt === true,
        targets: plan.targets,
        replies: [],
        probed: plan.probed,
        skipped: plan.skipped,
        expectedLeft: plan.expected,
        repliesLeft: plan.targets.size,
        settled: false,
        timer: undefined,
        resolve,
      };
      if (plan.targets.size === 0) return this.#settle(query, false);
      this.#open.set(requestNumber, query);
      query.timer = setTimeout(() => this.#expire(query), timeout);
      if (plan.expected === 0) this.#settle(query, false);
    });
  }

  /** Which peers this query goes to, and which of them it waits for. */
  #plan(peers: readonly IcpPeer[], now: number) {
    const targets = new Map<string, Target>();
    const endpoints: IcpPeer[] = [];
    const probed: IcpPeer[] = [];
    const skipped: IcpPeer[] = [];
    let expected = 0;
    for (const peer of peers) {
      const [key, status] = this.#status(peer);
      if (targets.has(key)) continue; // listed twice: one query, one reply
      const role = this.#liveness.role(status, now);
      if (role === 'skip') {
        skipped.push(peer);
        continue;
      }
      if (role === 'probe') probed.push(peer);
      else expected++;
      targets.set(key, { status, expected: role === 'expect', replied: false });
      endpoints.push(peer);
    }
    return { targets, endpoints, probed, skipped, expected };
  }

  /** Detaches from the socket; open queries resolve with what they have. */
  close(): void {
    this.#socket.detach(this.#onReply);
    for (const query of this.#open.values()) {
      clearTimeout(query.timer);
      if (!query.settled) this.#settle(query, true);
    }
    this.#open.clear();
  }

  #status(peer: IcpPeer): [string, PeerStatus] {
    const key = endpointKey(peer.host, peer.port);
    let status = this.#peers.get(key);
    if (status === undefined) {
      const canonical = validatePeer(peer);
      status = this.#peers.get(canonical) ?? this.#liveness.create(peer);
      this.#peers.set(canonical, status);
      if (canonical !== key) return [canonical, status];
    }
    status.peer = peer;
    return [key, status];
  }

  #requestNumber(): number {
    // Random, not sequential: an off-path attacker who saw one cannot guess
    // the next. 0 is skipped: Squid reads it as "this peer does not echo
    // request numbers".
    let n: number;
    do n = (Math.random() * 0x1_0000_0000) >>> 0;
    while (n === 0 || this.#open.has(n));
    return n;
  }

  #receive(message: IcpMessage, from: RemoteInfo): void {
    const key = endpointKey(from.address, from.port);
    if (!this.#peers.has(key)) {
      this.counters.unknownSender++;
      return;
    }
    const query = this.#open.get(message.requestNumber);
    const target = query?.targets.get(key);
    if (query === undefined || target === undefined || message.url !== query.url) {
      this.counters.unmatched++;
      return;
    }
    if (target.replied) {
      this.counters.duplicates++;
      return;
    }
    target.replied = true;
    this.counters.replies++;
    this.#liveness.answered(target.status);
    if (!query.settled) this.#record(query, target, message);
    if (--query.repliesLeft === 0) {
      clearTimeout(query.timer);
      this.#open.delete(query.requestNumber);
      if (!query.settled) this.#settle(query, false);
    }
  }

  #record(query: OpenQuery, target: Target, message: IcpMessage): void {
    const rttMs = performance.now() - query.sentAt;
    const srcRtt = query.sourceRtt ? sourceRtt(message) : undefined;
    const reply: IcpPeerReply = {
      peer: target.status.peer,
      opcode: message.opcode,
      rttMs,
      ...(srcRtt === undefined ? {} : { sourceRttMs: srcRtt }),
      ...(message.object === undefined ? {} : { object: message.object }),
    };
    query.replies.push(reply);
    if (isHit(message.opcode)) {
      this.counters.hits++;
      this.#settle(query, false);
    } else if (target.expected && --query.expectedLeft === 0) {
      this.#settle(query, false);
    }
  }

  #expire(query: OpenQuery): void {
    this.#open.delete(query.requestNumber);
    const now = performance.now();
    for (const target of query.targets.values()) {
      if (!target.replied) this.#liveness.unanswered(target.status, now);
    }
    if (!query.settled) this.#settle(query, true);
  }

  #settle(query: OpenQuery, timedOut: boolean): void {
    query.settled = true;
    if (timedOut) this.counters.timeouts++;
    const parentMisses = rankParentMisses(query.replies);
    const chosen = choosePeer(query.replies, parentMisses);
    const unanswered: IcpPeer[] = [];
    for (const target of query.targets.values()) {
      if (target.expected && !target.replied) unanswered.push(target.status.peer);
    }
    query.resolve({
      url: query.url,
      requestNumber: query.requestNumber,
      replies: query.replies,
      parentMisses,
      ...(chosen === undefined ? {} : { chosen }),
      timedOut,
      unanswered,
      probed: query.probed,
      skipped: query.skipped,
    });
  }
}

function checkTimeout(timeout: number): number {
  if (!(timeout > 0 && timeout <= 60_000)) throw new InvalidIcpOptionError('timeout', 'expected 1-60,000 ms');
  return timeout;
}
