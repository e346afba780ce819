import diagnosticsChannel from 'node:diagnostics_channel';

/** Published when overflow starts, stops, or its share of new sessions changes. */
export interface OverflowEvent {
  readonly site: string;
  readonly active: boolean;
  /** Fraction (0–1) of new sessions sent to peer sites. */
  readonly share: number;
  /** Why, in words for logs and status pages: "load 1.25 > 1.1; siteB 0.30 < 0.7". */
  readonly reason: string;
}

/** Published when the site starts or stops wanting to carry the VIP. */
export interface AnnounceEvent {
  readonly site: string;
  readonly announcing: boolean;
  readonly reason: string;
}

/** Published when a peer site's admin stops or starts answering /api/site. */
export interface PeerEvent {
  readonly site: string;
  readonly peer: string;
  readonly reachable: boolean;
  readonly message: string;
}

/** Observability goes through diagnostics_channel, as core's: metrics and logs subscribe. */
export const siteChannels = {
  overflow: diagnosticsChannel.channel('lvs7:site:overflow'),
  announce: diagnosticsChannel.channel('lvs7:site:announce'),
  peer: diagnosticsChannel.channel('lvs7:site:peer'),
} as const;
