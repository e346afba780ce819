import { Lvs7Error } from '@lvs7/core';

/** Site or overflow options lvs7 cannot use; lists every problem at once. */
export class InvalidSiteOptionsError extends Lvs7Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('LVS7_ERR_SITE_OPTIONS', `invalid site options: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** bgp-announcer options (admin URL, VIP prefix, intervals) lvs7 cannot use. */
export class InvalidAnnouncerOptionsError extends Lvs7Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('LVS7_ERR_ANNOUNCER_OPTIONS', `invalid bgp-announcer options: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** A peer site's admin did not answer /api/site in time, or answered with an error status. */
export class PeerPollFailedError extends Lvs7Error {
  readonly peer: string;
  constructor(peer: string, reason: string, options?: ErrorOptions) {
    super('LVS7_ERR_SITE_PEER_POLL', `peer site "${peer}": ${reason}`, options);
    this.peer = peer;
  }
}

/** A peer site's /api/site answer is not what lvs7 publishes (another program, another version). */
export class MalformedPeerReportError extends Lvs7Error {
  readonly peer: string;
  constructor(peer: string, reason: string) {
    super('LVS7_ERR_SITE_PEER_REPORT', `peer site "${peer}" sent a malformed /api/site: ${reason}`);
    this.peer = peer;
  }
}
