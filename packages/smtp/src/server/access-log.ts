import type { MessageOutcome } from '../stats.js';

/** Access log lines at info level: none, the lines of 1 session in 100, or every one (as the HTTP listener). */
export type AccessLogMode = 'off' | 'sampled' | 'full';

export const ACCESS_LOG_MODES: readonly AccessLogMode[] = ['off', 'sampled', 'full'];

/** 0: off; otherwise one session in this many is logged (its messages and its end). */
export function accessLogEvery(mode: AccessLogMode): number {
  return mode === 'full' ? 1 : mode === 'sampled' ? 100 : 0;
}

let counter = 0;

/** Whether the session starting now is logged. */
export function sampled(every: number): boolean {
  return every !== 0 && (every === 1 || ++counter % every === 0);
}

/** One message's line ('smtp message'): the envelope's sender, never its recipients' addresses or content. */
export interface SmtpMessageRecord {
  readonly session: string;
  /** The reverse-path ('' for the null sender <>). */
  readonly sender: string;
  readonly recipients: number;
  /** Message bytes as received (dot-stuffed). */
  readonly size: number;
  readonly result: MessageOutcome;
  /** The reply code the client got for its final dot (0 when it never got one). */
  readonly code: number;
  readonly server: string | null;
}

/** One session's line ('smtp session') when its connection closes. */
export interface SmtpSessionRecord {
  readonly session: string;
  readonly client: string;
  readonly helo: string | null;
  /** The AUTH login name, never the password. */
  readonly user: string | null;
  readonly messages: number;
  /** quit, closed by client, or the 421 that ended it. */
  readonly reason: string;
  /** Bytes of the SMTP conversation (after TLS decryption) from and to the client. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly durationMs: number;
  readonly tls: boolean;
}
