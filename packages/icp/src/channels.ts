import diagnosticsChannel from 'node:diagnostics_channel';
import type { MalformedReason } from './decode.js';
import type { IcpPeer } from './peer.js';

/** A peer stopped answering (alive: false) or answered again (alive: true). */
export interface IcpPeerEvent {
  readonly peer: IcpPeer;
  readonly alive: boolean;
  /** Consecutive queries the peer left unanswered. */
  readonly unanswered: number;
}

/** A datagram was dropped as malformed. */
export interface IcpMalformedEvent {
  readonly reason: MalformedReason;
  readonly address: string;
  readonly port: number;
}

/**
 * Observability goes through diagnostics_channel, as in core: metrics and
 * logs subscribe, the ICP code only publishes (and only when someone listens).
 */
export const icpChannels = {
  peer: diagnosticsChannel.channel('lvs7:icp:peer'),
  malformed: diagnosticsChannel.channel('lvs7:icp:malformed'),
} as const;
