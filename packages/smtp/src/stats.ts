import diagnosticsChannel from 'node:diagnostics_channel';

/** Upper bounds (ms) of the final-dot → verdict latency buckets; one more bucket catches the rest. */
export const VERDICT_BUCKETS_MS: readonly number[] = [
  1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000,
];

export type MessageOutcome =
  | 'delivered'
  | 'temp-failed'
  | 'perm-failed'
  | 'backend-failed'
  | 'too-big'
  | 'aborted';

/** One finished message, published on `lvs7:smtp:message` when someone subscribes. */
export interface SmtpMessageEvent {
  readonly listener: string;
  readonly pool: string | null;
  readonly server: string | null;
  readonly recipients: number;
  readonly bytes: number;
  /** The reply the client got for its final dot. */
  readonly code: number;
  readonly outcome: MessageOutcome;
  /** Final dot → verdict (ms); 0 when the message never reached its end. */
  readonly verdictMs: number;
}

export const smtpMessageChannel = diagnosticsChannel.channel('lvs7:smtp:message');

/** What happened on one backend server (pool/server). */
export interface BackendOutcomes {
  messages: number;
  recipients: number;
  delivered: number;
  tempFailed: number;
  permFailed: number;
  /** Connect failures, refused greetings, connections lost or timed out. */
  failures: number;
}

export interface SmtpStatsSnapshot {
  connections: number;
  activeConnections: number;
  messages: number;
  recipients: number;
  rejectedRecipients: number;
  bytes: number;
  replies: { '4xx': number; '5xx': number };
  outcomes: Record<MessageOutcome, number>;
  backends: Record<string, BackendOutcomes>;
  verdictLatency: { bucketsMs: readonly number[]; counts: number[]; sumMs: number; count: number };
}

/** Counters of one listener: plain fields bumped on the hot path, read by snapshot(). */
export class SmtpStats {
  readonly listener: string;
  connections = 0;
  activeConnections = 0;
  messages = 0;
  recipients = 0;
  rejectedRecipients = 0;
  bytes = 0;
  replies4xx = 0;
  replies5xx = 0;
  readonly outcomes: Record<MessageOutcome, number> = {
    delivered: 0,
    'temp-failed': 0,
    'perm-failed': 0,
    'backend-failed': 0,
    'too-big': 0,
    aborted: 0,
  };
  readonly backends = new Map<string, BackendOutcomes>();
  readonly #latency = new Array<number>(VERDICT_BUCKETS_MS.length + 1).fill(0);
  #latencySum = 0;

  constructor(listener: string) {
    this.listener = listener;
  }

  reply(code: number): void {
    if (code >= 500) this.replies5xx++;
    else if (code >= 400) this.replies4xx++;
  }

  backend(pool: string, server: string): BackendOutcomes {
    const key = `${pool}/${server}`;
    let b = this.backends.get(key);
    if (b === undefined) {
      b = { messages: 0, recipients: 0, delivered: 0, tempFailed: 0, permFailed: 0, failures: 0 };
      this.backends.set(key, b);
    }
    return b;
  }

  message(event: Omit<SmtpMessageEvent, 'listener'>): void {
    this.outcomes[event.outcome]++;
    if (event.outcome === 'delivered') {
      this.messages++;
      this.bytes += event.bytes;
    }
    if (event.pool !== null && event.server !== null) {
      const b = this.backend(event.pool, event.server);
      b.messages++;
      b.recipients += event.recipients;
      if (event.outcome === 'delivered') b.delivered++;
      else if (event.outcome === 'temp-failed') b.tempFailed++;
      else if (event.outcome === 'perm-failed') b.permFailed++;
      else if (event.outcome === 'backend-failed') b.failures++;
    }
    if (event.verdictMs > 0) {
      let i = 0;
      while (i < VERDICT_BUCKETS_MS.length && event.verdictMs > VERDICT_BUCKETS_MS[i]!) i++;
      this.#latency[i]!++;
      this.#latencySum += event.verdictMs;
    }
    if (smtpMessageChannel.hasSubscribers) smtpMessageChannel.publish({ listener: this.listener, ...event });
  }

  snapshot(): SmtpStatsSnapshot {
    return {
      connections: this.connections,
      activeConnections: this.activeConnections,
      messages: this.messages,
      recipients: this.recipients,
      rejectedRecipients: this.rejectedRecipients,
      bytes: this.bytes,
      replies: { '4xx': this.replies4xx, '5xx': this.replies5xx },
      outcomes: { ...this.outcomes },
      backends: Object.fromEntries([...this.backends].map(([k, v]) => [k, { ...v }])),
      verdictLatency: {
        bucketsMs: VERDICT_BUCKETS_MS,
        counts: [...this.#latency],
        sumMs: this.#latencySum,
        count: this.#latency.reduce((a, b) => a + b, 0),
      },
    };
  }
}
