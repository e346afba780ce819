// Per-session access log lines: the modes and sampling every listener shares.
export { ACCESS_LOG_MODES, type AccessLogMode, accessLogEvery, sampled } from '@lvs7/core';

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
