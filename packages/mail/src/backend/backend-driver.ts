import type { Credentials } from '../protocol/sasl-plain.js';
import type { BackendConnection } from './backend-connection.js';

/** Who the client is, as passed to the backend (IMAP ID x-originating-*, POP3 XCLIENT, PROXY protocol). */
export interface ClientInfo {
  readonly address: string;
  readonly port: number;
  /** lvs7's address and port the client connected to. */
  readonly localAddress: string;
  readonly localPort: number;
  /** lvs7's session id (Dovecot logs it as the session's external id). */
  readonly sessionId: string;
  /** IMAP: the client's own ID parameters, forwarded with ours. */
  readonly id?: ReadonlyArray<readonly [string, string | null]> | undefined;
}

export interface BackendPrepareOptions {
  readonly startTls: boolean;
  /** Announce the client (IMAP ID / POP3 XCLIENT). */
  readonly announce: boolean;
  readonly client: ClientInfo | undefined;
}

export interface BackendLoginResult {
  readonly ok: boolean;
  /** CRLF-terminated lines for the client, already carrying the client's tag. */
  readonly reply: string;
}

/**
 * The protocol half of a backend login: greeting, STARTTLS, announcing the
 * client, then the login itself. Throws BackendError when the backend does
 * not follow the protocol; a refused login is a result, not an error.
 */
export interface BackendDriver {
  prepare(conn: BackendConnection, options: BackendPrepareOptions): Promise<void>;
  /** `tag` is the client's IMAP tag (ignored by POP3). */
  login(conn: BackendConnection, credentials: Credentials, tag: string): Promise<BackendLoginResult>;
  /** Ends the session politely (health checks). */
  logout(conn: BackendConnection): Promise<void>;
}
