import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { Accounts } from './account/accounts.js';
import type { Deliverer } from './delivery/deliverer.js';
import type { MailboxRegistry } from './maildir/mailbox-registry.js';
import type { MessageCache } from './maildir/message-cache.js';

/** Protocol limits, checked before a command is dispatched. */
export interface Limits {
  /** Longest command line (IMAP, POP3). Default 64 KiB. */
  readonly maxLineLength: number;
  /** Largest literal (APPEND message) once authenticated. Default 64 MiB; 8 KiB before login. */
  readonly maxLiteralSize: number;
  /** Largest message LMTP/SMTP accept. Default 64 MiB. */
  readonly maxMessageSize: number;
  /** Close a connection silent for this long (IMAP autologout, POP3 inactivity). Default 30 min / 10 min. */
  readonly imapTimeoutMs: number;
  readonly pop3TimeoutMs: number;
  /** Longest IDLE before the server ends it with BYE. Default 30 min. */
  readonly idleTimeoutMs: number;
  /** Failed logins before the connection is closed. Default 3. */
  readonly maxAuthFailures: number;
  /** Unknown or malformed commands before the connection is closed. Default 20. */
  readonly maxBadCommands: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxLineLength: 64 * 1024,
  maxLiteralSize: 64 * 1024 * 1024,
  maxMessageSize: 64 * 1024 * 1024,
  imapTimeoutMs: 30 * 60_000,
  pop3TimeoutMs: 10 * 60_000,
  idleTimeoutMs: 30 * 60_000,
  maxAuthFailures: 3,
  maxBadCommands: 20,
};

/** What every session of a node shares. */
export interface NodeContext {
  /** The node's name, in greetings, ID and Received headers. */
  readonly name: string;
  readonly accounts: Accounts;
  readonly registry: MailboxRegistry;
  readonly deliverer: Deliverer;
  /** Recently read messages in wire form, shared by IMAP and POP3 sessions. */
  readonly messages: MessageCache;
  readonly logger: Logger;
  /** For STARTTLS / STLS, when configured. */
  readonly tls: SecureContext | undefined;
  readonly limits: Limits;
}
