/**
 * Mailbox lookup: who a user is, where their mailbox lives and which host
 * serves it. Implementations: LDAP (ldapts) and an LDIF file.
 */
export interface MailboxEntry {
  /** The canonical address or login of the mailbox (e.g. the `mail` attribute, else `uid`). */
  readonly mailbox: string;
  /** Login name (`uid`), when the entry has one. */
  readonly uid?: string | undefined;
  /** The host that serves the mailbox (the configured host attribute, e.g. `mailHost`), when named. */
  readonly host?: string | undefined;
  /** Other addresses that deliver here (`mailLocalAddress`, `mailAlternateAddress`). */
  readonly aliases: readonly string[];
  /** `mailRoutingAddress`: mail for this entry is rewritten to this address (inetLocalMailRecipient). */
  readonly routingAddress?: string | undefined;
  /** The entry's DN (LDAP) or dn: line (LDIF). */
  readonly dn: string;
  /** Every attribute of the entry, lower-cased names, values as strings (never `userPassword`). */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

export interface Directory {
  readonly name: string;
  /**
   * Looks a user or address up. Resolves undefined when there is no such
   * user (a permanent answer); rejects with DirectoryUnavailableError when
   * the directory cannot answer (a temporary one).
   */
  lookup(user: string): Promise<MailboxEntry | undefined>;
  /**
   * Checks a password (LDAP: binds as the user's DN; file: compares with
   * `userPassword` in {SSHA}/{SHA}/{CRYPT}/{PLAIN}/cleartext form). Resolves
   * false for a wrong password or unknown user; rejects with
   * DirectoryUnavailableError when the directory cannot answer.
   */
  verifyPassword(user: string, password: string): Promise<boolean>;
  /**
   * Optional: re-reads the source (file) or forgets cached answers (LDAP),
   * e.g. on SIGHUP. A file that no longer parses keeps the old contents and
   * rejects.
   */
  reload?(): Promise<void>;
  close(): Promise<void>;
}
