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
