import type { MessageOutcome } from '../stats.js';

// The lines of 1 session in N (its messages and its end): the modes and sampling every listener shares.
export { ACCESS_LOG_MODES, type AccessLogMode, accessLogEvery, sampled } from '@lvs7/core';

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
