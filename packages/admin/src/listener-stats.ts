/**
 * What a listener reports about its traffic, whatever its protocol (HTTP
 * requests, SMTP messages, IMAP/POP3 sessions): plain counters the admin
 * API turns into Prometheus metrics and status-page figures.
 */
export interface TrafficStats {
  readonly requests: number;
  readonly active: number;
  readonly responses: Readonly<Record<'1xx' | '2xx' | '3xx' | '4xx' | '5xx', number>>;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly retries: number;
  readonly errors: Readonly<Record<string, number>>;
  readonly latency: {
    readonly bucketsMs: readonly number[];
    /** One count per bucket, plus a last one for the rest (not cumulative). */
    readonly counts: readonly number[];
    readonly sumMs: number;
    readonly count: number;
  };
}

export interface ListenerStatsView {
  readonly name: string;
  readonly protocol: string;
  readonly listen: string;
  readonly connections: number;
  readonly connectionsTotal: number;
  readonly traffic: TrafficStats;
  readonly routes: Readonly<Record<string, TrafficStats>>;
  readonly pools: Readonly<Record<string, TrafficStats>>;
  /** Keyed `pool/server`. */
  readonly servers: Readonly<Record<string, TrafficStats>>;
}

function addTraffic(a: TrafficStats | undefined, b: TrafficStats): TrafficStats {
  if (a === undefined) return b;
  const responses = { ...a.responses };
  for (const [k, v] of Object.entries(b.responses)) responses[k as keyof typeof responses] += v;
  const errors: Record<string, number> = { ...a.errors };
  for (const [k, v] of Object.entries(b.errors)) errors[k] = (errors[k] ?? 0) + v;
  const sameBuckets =
    a.latency.bucketsMs.length === b.latency.bucketsMs.length &&
    a.latency.bucketsMs.every((x, i) => x === b.latency.bucketsMs[i]);
  return {
    requests: a.requests + b.requests,
    active: a.active + b.active,
    responses,
    bytesIn: a.bytesIn + b.bytesIn,
    bytesOut: a.bytesOut + b.bytesOut,
    retries: a.retries + b.retries,
    errors,
    latency: sameBuckets
      ? {
          bucketsMs: a.latency.bucketsMs,
          counts: a.latency.counts.map((c, i) => c + (b.latency.counts[i] ?? 0)),
          sumMs: a.latency.sumMs + b.latency.sumMs,
          count: a.latency.count + b.latency.count,
        }
      : a.latency,
  };
}

function addRecord(
  a: Readonly<Record<string, TrafficStats>>,
  b: Readonly<Record<string, TrafficStats>>,
): Record<string, TrafficStats> {
  const out: Record<string, TrafficStats> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = addTraffic(out[k], v);
  return out;
}

/**
 * One view per listener from the views of several processes (the workers
 * of `workers: N`): counters and histograms summed, listeners matched by name.
 */
export function mergeListenerStats(groups: Iterable<readonly ListenerStatsView[]>): ListenerStatsView[] {
  const merged = new Map<string, ListenerStatsView>();
  for (const views of groups) {
    for (const v of views) {
      const m = merged.get(v.name);
      merged.set(
        v.name,
        m === undefined
          ? v
          : {
              ...m,
              connections: m.connections + v.connections,
              connectionsTotal: m.connectionsTotal + v.connectionsTotal,
              traffic: addTraffic(m.traffic, v.traffic),
              routes: addRecord(m.routes, v.routes),
              pools: addRecord(m.pools, v.pools),
              servers: addRecord(m.servers, v.servers),
            },
      );
    }
  }
  return [...merged.values()];
}

/** A retired process's figures kept as a baseline: its counters stay, nothing is active any more. */
export function retiredListenerStats(views: readonly ListenerStatsView[]): ListenerStatsView[] {
  const idle = (t: TrafficStats): TrafficStats => ({ ...t, active: 0 });
  const idleAll = (r: Readonly<Record<string, TrafficStats>>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, idle(v)]));
  return views.map((v) => ({
    ...v,
    connections: 0,
    traffic: idle(v.traffic),
    routes: idleAll(v.routes),
    pools: idleAll(v.pools),
    servers: idleAll(v.servers),
  }));
}
