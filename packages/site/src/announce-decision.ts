export interface AnnounceInput {
  readonly healthyShare: number;
  /** Fraction 0–1. */
  readonly minHealthy: number;
  readonly draining: boolean;
  /** Whether the instance has started (pools and listeners up). */
  readonly ready: boolean;
}

export interface AnnounceDecision {
  readonly announce: boolean;
  readonly reason: string;
}

/**
 * Whether this site should carry the VIP now: started, not draining, and
 * every VIP pool at or above minHealthy. Pure, so the announcer's endpoint,
 * the status page and tests agree.
 */
export function decideAnnounce(input: AnnounceInput): AnnounceDecision {
  if (!input.ready) return { announce: false, reason: 'not started' };
  if (input.draining) return { announce: false, reason: 'draining' };
  const share = percent(input.healthyShare);
  const min = percent(input.minHealthy);
  if (input.healthyShare < input.minHealthy || input.healthyShare === 0) {
    return { announce: false, reason: `healthy share ${share} < minHealthy ${min}` };
  }
  return { announce: true, reason: `healthy share ${share} >= minHealthy ${min}` };
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}
