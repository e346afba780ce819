import type { IcpPeer } from './peer.js';
import type { IcpChoice, IcpPeerReply } from './select-peer.js';

/** Per-query options of IcpClient.query(). */
export interface IcpQueryOptions {
  /** How long to wait for replies (ms). */
  readonly timeout?: number | undefined;
  /** Ask peers for their RTT to the origin (ICP_FLAG_SRC_RTT), to rank parent misses by it. */
  readonly sourceRtt?: boolean | undefined;
  /** The client the query is on behalf of (IPv4), sent as the requester host address. */
  readonly requesterAddress?: string | undefined;
}

export interface IcpQueryResult {
  readonly url: string;
  readonly requestNumber: number;
  /** Every reply received before the result was settled, in arrival order. */
  readonly replies: readonly IcpPeerReply[];
  /** Parents' MISS replies, best first (see rankParentMisses). */
  readonly parentMisses: readonly IcpPeerReply[];
  /** The peer to fetch from; undefined: go to the origin. */
  readonly chosen?: IcpChoice;
  /** True when the timeout settled the query (some expected peer did not answer). */
  readonly timedOut: boolean;
  /** Live peers that had not answered when the query settled. */
  readonly unanswered: readonly IcpPeer[];
  /** Dead peers sent this query to see if they are back (not waited for). */
  readonly probed: readonly IcpPeer[];
  /** Dead peers left out of this query. */
  readonly skipped: readonly IcpPeer[];
}
