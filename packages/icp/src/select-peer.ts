import { IcpOpcode } from './constants.js';
import { isHit } from './message.js';
import type { IcpPeer } from './peer.js';

/** One peer's reply to one query. */
export interface IcpPeerReply {
  readonly peer: IcpPeer;
  readonly opcode: IcpOpcode;
  /** ICP round trip: query sent → reply received (ms). */
  readonly rttMs: number;
  /** RTT to the origin the peer reported with ICP_FLAG_SRC_RTT (only when the query asked for it). */
  readonly sourceRttMs?: number;
  /** HIT_OBJ only: the object the peer sent along. */
  readonly object?: Uint8Array;
}

/** Why a peer was chosen, in Squid's access.log hierarchy codes. */
export type IcpChoiceCode = 'SIBLING_HIT' | 'PARENT_HIT' | 'CLOSEST_PARENT_MISS' | 'FIRST_PARENT_MISS';

export interface IcpChoice {
  readonly peer: IcpPeer;
  readonly code: IcpChoiceCode;
  readonly reply: IcpPeerReply;
}

/**
 * Parents that answered MISS (or DECHO, a dumb cache's echo), best first, as
 * RFC 2187 and Squid rank them: parents that reported an RTT to the origin
 * (SRC_RTT) first, closest first; then the others by ICP round trip divided
 * by their weight. Siblings' misses are never used (a sibling does not fetch
 * for us), nor MISS_NOFETCH (the parent asked not to be sent misses).
 */
export function rankParentMisses(replies: readonly IcpPeerReply[]): IcpPeerReply[] {
  return replies
    .filter((r) => r.peer.type === 'parent' && (r.opcode === IcpOpcode.MISS || r.opcode === IcpOpcode.DECHO))
    .sort(compareMisses);
}

function compareMisses(a: IcpPeerReply, b: IcpPeerReply): number {
  const aSrc = a.sourceRttMs !== undefined && a.sourceRttMs > 0;
  const bSrc = b.sourceRttMs !== undefined && b.sourceRttMs > 0;
  if (aSrc !== bSrc) return aSrc ? -1 : 1;
  if (aSrc && bSrc && a.sourceRttMs !== b.sourceRttMs) return a.sourceRttMs! - b.sourceRttMs!;
  return weightedRtt(a) - weightedRtt(b);
}

function weightedRtt(reply: IcpPeerReply): number {
  return reply.rttMs / (reply.peer.weight ?? 1);
}

/**
 * The peer to fetch from: the first HIT (a sibling's or a parent's), else the
 * best-ranked parent MISS; undefined means go to the origin directly.
 */
export function choosePeer(
  replies: readonly IcpPeerReply[],
  rankedMisses: readonly IcpPeerReply[],
): IcpChoice | undefined {
  const hit = replies.find((r) => isHit(r.opcode));
  if (hit)
    return { peer: hit.peer, code: hit.peer.type === 'parent' ? 'PARENT_HIT' : 'SIBLING_HIT', reply: hit };
  const best = rankedMisses[0];
  if (!best) return undefined;
  const closest = best.sourceRttMs !== undefined && best.sourceRttMs > 0;
  return { peer: best.peer, code: closest ? 'CLOSEST_PARENT_MISS' : 'FIRST_PARENT_MISS', reply: best };
}
