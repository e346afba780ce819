/** Per-session access log lines at info level: none, 1 session in 100, or every one (as the HTTP listener). */
export type AccessLogMode = 'off' | 'sampled' | 'full';

export const ACCESS_LOG_MODES: readonly AccessLogMode[] = ['off', 'sampled', 'full'];

/** 0: off; otherwise one session in this many is logged. */
export function accessLogEvery(mode: AccessLogMode): number {
  return mode === 'full' ? 1 : mode === 'sampled' ? 100 : 0;
}

let counter = 0;

/** Whether the session ending now is logged. */
export function sampled(every: number): boolean {
  return every !== 0 && (every === 1 || ++counter % every === 0);
}

/**
 * The access log line of a session, written once when it ends. `user` is the
 * login name (the password never is part of it); `result` says how far the
 * session got, `reason` why it ended.
 */
export interface MailSessionRecord {
  readonly session: string;
  readonly client: string;
  readonly user: string | null;
  readonly mailbox: string | null;
  readonly server: string | null;
  /** proxied: logged in and spliced; login-failed; no-login: ended before any successful login. */
  readonly result: 'proxied' | 'login-failed' | 'no-login';
  readonly reason: string;
  /** Bytes from and to the client on the wire (TLS included). */
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly durationMs: number;
  readonly tls: boolean;
}
