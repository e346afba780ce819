import { MalformedPeerReportError } from './errors.js';

/** What this site knows of a peer site, from its last `/api/site` answer. */
export interface PeerReport {
  readonly name: string;
  /** The peer's unicast address (from this site's configuration, not from the peer). */
  readonly address: string;
  /** Last reported load; undefined before the first answer. */
  readonly load: number | undefined;
  /** Sessions at load 1.0, when the peer reports it. */
  readonly capacity: number | undefined;
  /** Whether the peer wants to carry the VIP (healthy, not draining). */
  readonly announcing: boolean;
  /** When the last good answer arrived (ms since the epoch); undefined before the first. */
  readonly lastSeen: number | undefined;
  /** The last poll's failure, when it failed. */
  readonly error: string | undefined;
}

export interface PeerSiteView {
  readonly load: number;
  readonly capacity: number | undefined;
  readonly announcing: boolean;
}

/** Checks a peer's `/api/site` body: the peer must call itself `expectedName`. */
export function parsePeerSite(expectedName: string, body: unknown): PeerSiteView {
  const bad = (reason: string) => new MalformedPeerReportError(expectedName, reason);
  if (typeof body !== 'object' || body === null) throw bad('not a JSON object');
  const b = body as Record<string, unknown>;
  if (b.name !== expectedName) throw bad(`it calls itself "${String(b.name)}"`);
  if (typeof b.load !== 'number' || !Number.isFinite(b.load) || b.load < 0)
    throw bad('load: not a number >= 0');
  if (typeof b.announcing !== 'boolean') throw bad('announcing: not a boolean');
  const capacity = b.capacity;
  if (capacity !== undefined && capacity !== null && !(typeof capacity === 'number' && capacity >= 0)) {
    throw bad('capacity: not a number >= 0');
  }
  return {
    load: b.load,
    capacity: typeof capacity === 'number' ? capacity : undefined,
    announcing: b.announcing,
  };
}
