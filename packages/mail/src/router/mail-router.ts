import { type KeyValueTable, MemoryStateStore, type Pool, type Server, type StateStore } from '@lvs7/core';
import type { Directory, MailboxEntry } from '@lvs7/directory';
import { AuthFailedError, isDirectoryUnavailable, TemporaryFailureError } from '../errors.js';
import { type ActiveSession, UserSessions } from './user-sessions.js';

/**
 * Why a user went to a server:
 * - `remembered`: placed there earlier and the placement has not expired
 *   (it is kept alive while the user has sessions, so nothing splits a user);
 * - `directory`: the directory's host attribute (mailHost) names it;
 * - `hash`: no host named; consistent hash of the mailbox over server names;
 * - `failover`: the named or remembered server is down (or refused us), so hashed
 *   over the rest.
 */
export type PlacementReason = 'directory' | 'remembered' | 'hash' | 'failover';

export interface Placement {
  readonly server: Server;
  readonly reason: PlacementReason;
  /** The canonical mailbox: the placement key. */
  readonly mailbox: string;
  /** The host the directory names (e.g. mailHost), if any. */
  readonly directoryHost: string | undefined;
  /** The server remembered for the user when placing, if any. */
  readonly remembered: string | undefined;
  /** The directory named this server: a refused connection is a temporary failure, not a reason to go elsewhere. */
  readonly pinned: boolean;
  /** One sentence for logs and the admin API. */
  readonly detail: string;
}

export interface PlaceContext {
  readonly clientAddress?: string | undefined;
  /** Servers that already failed this login. */
  readonly exclude?: ReadonlySet<Server> | undefined;
}

export interface MailRouterOptions {
  readonly pool: Pool;
  readonly directory: Directory;
  /** Where placements are remembered; default `state.table('mail:placements')`. */
  readonly table?: KeyValueTable | undefined;
  /** Used when no table is given; default a new in-memory store. */
  readonly state?: StateStore | undefined;
  /** ms a placement lives after it was last used; default 15 min. */
  readonly placementTtl?: number | undefined;
  readonly placementMaxEntries?: number | undefined;
  readonly sessions?: UserSessions | undefined;
}

/** The table name placements live in: shared by every mail protocol, keyed by mailbox, valued by server name. */
export const PLACEMENT_TABLE = 'mail:placements';

/** The placement key of a directory entry: its canonical mailbox, lower-cased. */
export function mailboxKey(entry: MailboxEntry): string {
  return entry.mailbox.toLowerCase();
}

/**
 * Where each user's sessions go, for any mail protocol (IMAP, POP3, later
 * SMTP/LMTP). Pools of different protocols share server names, and the hash
 * and the remembered table are over names, so every protocol and every lvs7
 * instance sends a user to the same backend.
 */
export class MailRouter {
  pool: Pool;
  directory: Directory;
  readonly sessions: UserSessions;
  readonly placementTtl: number;
  readonly #table: KeyValueTable;
  readonly #touchTimer: NodeJS.Timeout;

  constructor(options: MailRouterOptions) {
    this.pool = options.pool;
    this.directory = options.directory;
    this.sessions = options.sessions ?? new UserSessions();
    this.placementTtl = options.placementTtl ?? 15 * 60_000;
    this.#table =
      options.table ??
      (options.state ?? new MemoryStateStore()).table(PLACEMENT_TABLE, {
        ttlMs: this.placementTtl,
        maxEntries: options.placementMaxEntries ?? 1_000_000,
      });
    // Keep placements of logged-in users alive; they expire placementTtl after the last session ends.
    this.#touchTimer = setInterval(
      () => this.#touchActive(),
      Math.min(60_000, Math.ceil(this.placementTtl / 3)),
    );
    this.#touchTimer.unref();
  }

  /**
   * The directory entry for a login name. Unknown users reject with
   * AuthFailedError (the client sees the same reply as a wrong password);
   * an unavailable directory with TemporaryFailureError.
   */
  async resolve(login: string): Promise<MailboxEntry> {
    let entry: MailboxEntry | undefined;
    try {
      entry = await this.directory.lookup(login);
    } catch (error) {
      const reason = isDirectoryUnavailable(error) ? 'directory unavailable' : 'directory lookup failed';
      throw new TemporaryFailureError(reason, { cause: error });
    }
    if (entry === undefined) throw new AuthFailedError('no such user');
    return entry;
  }

  /** Chooses a server for the user (no side effects); throws TemporaryFailureError when none can take them. */
  place(entry: MailboxEntry, ctx: PlaceContext = {}): Placement {
    const mailbox = mailboxKey(entry);
    const exclude = ctx.exclude;
    // Not a type guard: a false answer says nothing about `undefined`.
    const usable = (s: Server): boolean => s.eligible && !exclude?.has(s);
    const rememberedName = this.#table.get(mailbox);
    const remembered = rememberedName === undefined ? undefined : this.pool.get(rememberedName);
    const named = entry.host === undefined ? undefined : this.pool.get(entry.host);
    const base = { mailbox, directoryHost: entry.host, remembered: rememberedName };
    if (remembered !== undefined && usable(remembered)) {
      const detail = `placed on ${remembered.name} earlier; kept while the placement lives`;
      return { ...base, server: remembered, reason: 'remembered', pinned: remembered === named, detail };
    }
    if (named !== undefined && usable(named)) {
      return {
        ...base,
        server: named,
        reason: 'directory',
        pinned: true,
        detail: `directory names ${named.name}`,
      };
    }
    const server = this.pool.pick({ key: mailbox, clientAddress: ctx.clientAddress, exclude });
    if (server === undefined)
      throw new TemporaryFailureError(`no server of pool "${this.pool.name}" can take the user`);
    const unavailable = named ?? remembered;
    if (unavailable !== undefined) {
      const why = exclude?.has(unavailable) ? 'failed' : 'is down';
      return {
        ...base,
        server,
        reason: 'failover',
        pinned: false,
        detail: `${unavailable.name} ${why}; hashed`,
      };
    }
    const note =
      entry.host === undefined ? 'no host in directory' : `directory host ${entry.host} is not in the pool`;
    return { ...base, server, reason: 'hash', pinned: false, detail: `${note}; hashed over the pool` };
  }

  /** What the next login of the user would get, or undefined when no server could take them. */
  explain(entry: MailboxEntry): Placement | undefined {
    try {
      return this.place(entry);
    } catch {
      return undefined;
    }
  }

  /** The server name remembered for a mailbox, if the placement has not expired. */
  remembered(mailbox: string): string | undefined {
    return this.#table.get(mailbox.toLowerCase());
  }

  /** Records where the user now is (after a successful backend login, or an admin move). */
  remember(mailbox: string, server: string): void {
    this.#table.set(mailbox.toLowerCase(), server);
  }

  forget(mailbox: string): void {
    this.#table.delete(mailbox.toLowerCase());
  }

  /**
   * Up to `limit` remembered placements, most recently used first, and how
   * many there are. Empty when the table cannot list its entries.
   */
  placements(limit: number): {
    /** The table they come from (listeners sharing a state store share it). */
    table: KeyValueTable;
    total: number;
    recent: { mailbox: string; server: string; expiresInMs: number }[];
  } {
    const all = this.#table.entries === undefined ? [] : [...this.#table.entries()];
    const recent: { mailbox: string; server: string; expiresInMs: number }[] = [];
    // Tables keep least recently used first.
    for (let i = all.length - 1; i >= 0 && recent.length < limit; i--) {
      const [mailbox, server, expiresInMs] = all[i]!;
      recent.push({ mailbox, server, expiresInMs });
    }
    return { table: this.#table, total: all.length, recent };
  }

  /** Registers a logged-in session; call the returned function when it ends. */
  attach(session: ActiveSession): () => void {
    const detach = this.sessions.add(session);
    return () => {
      detach();
      // The placement expires placementTtl after the user's last session.
      this.#table.touch(session.mailbox);
    };
  }

  /** Places the user on `server` and kicks their sessions elsewhere; returns how many were kicked. */
  move(mailbox: string, server: string): number {
    this.remember(mailbox, server);
    return this.sessions.kick(mailbox.toLowerCase(), `moved to ${server}`, server);
  }

  /** Applies a reloaded pool or directory; placements and sessions stay. */
  update(pool: Pool, directory: Directory): void {
    this.pool = pool;
    this.directory = directory;
  }

  close(): void {
    clearInterval(this.#touchTimer);
  }

  #touchActive(): void {
    for (const mailbox of this.sessions.mailboxes()) this.#table.touch(mailbox);
  }
}
