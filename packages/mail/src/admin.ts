import type { MailboxEntry } from '@lvs7/directory';
import {
  AuthFailedError,
  MailServerNotFoundError,
  MailUserNotFoundError,
  TemporaryFailureError,
} from './errors.js';
import type { MailListener } from './mail-listener.js';
import { mailboxKey, type Placement, type PlacementReason } from './router/mail-router.js';

/** One remembered placement (GET /api/mail/placements). */
export interface MailPlacementView {
  readonly mailbox: string;
  readonly server: string;
  /** Until the placement expires unless the user comes back (or has sessions: then it is kept). */
  readonly expiresInMs: number;
  /** Live sessions of the mailbox over every mail listener. */
  readonly sessions: number;
}

/** GET /api/mail/placements: the most recently used placements, and the servers a user can be moved to. */
export interface MailPlacementsView {
  readonly listeners: number;
  /** Placements remembered in all (the list holds at most `limit`). */
  readonly total: number;
  readonly limit: number;
  readonly placements: readonly MailPlacementView[];
  readonly servers: readonly string[];
}

/** A placement as JSON. */
export interface PlacementView {
  readonly server: string;
  readonly reason: PlacementReason;
  readonly pinned: boolean;
  readonly detail: string;
}

export interface MailUserListenerView {
  readonly listener: string;
  readonly protocol: string;
  readonly pool: string;
  /** Where the user's next login on this listener goes, or null when no server could take them. */
  readonly placement: PlacementView | null;
  readonly sessions: number;
  /** Servers the user's live sessions are on. */
  readonly sessionServers: readonly string[];
}

/** GET /api/mail/users/:user */
export interface MailUserView {
  readonly user: string;
  readonly mailbox: string;
  /** The host the directory names, or null. */
  readonly directoryHost: string | null;
  /** The remembered placement (server name), or null when none or expired. */
  readonly remembered: string | null;
  readonly sessions: number;
  readonly listeners: readonly MailUserListenerView[];
}

/** POST /api/mail/users/:user/move */
export interface MailMoveResult {
  readonly user: string;
  readonly mailbox: string;
  readonly server: string;
  /** Sessions closed because they were on another server. */
  readonly kicked: number;
}

export function placementView(placement: Placement): PlacementView {
  return {
    server: placement.server.name,
    reason: placement.reason,
    pinned: placement.pinned,
    detail: placement.detail,
  };
}

/**
 * The mail part of the admin API: where a user is placed and why, and
 * moving a user (kicking their sessions, placing them on another server).
 * Give it every mail listener (IMAP and POP3); session counts per server are
 * the pools' active counters.
 */
export class MailAdmin {
  readonly #listeners = new Set<MailListener>();

  constructor(listeners: Iterable<MailListener> = []) {
    for (const listener of listeners) this.#listeners.add(listener);
  }

  add(listener: MailListener): void {
    this.#listeners.add(listener);
  }

  remove(listener: MailListener): void {
    this.#listeners.delete(listener);
  }

  listeners(): MailListener[] {
    return [...this.#listeners];
  }

  async user(login: string): Promise<MailUserView> {
    const entry = await this.#resolve(login);
    const mailbox = mailboxKey(entry);
    let remembered: string | undefined;
    const listeners = this.listeners().map((listener): MailUserListenerView => {
      const router = listener.router;
      remembered ??= router.remembered(mailbox);
      const sessions = router.sessions.of(mailbox);
      const placement = router.explain(entry);
      return {
        listener: listener.name,
        protocol: listener.protocol,
        pool: router.pool.name,
        placement: placement === undefined ? null : placementView(placement),
        sessions: sessions.length,
        sessionServers: [...new Set(sessions.map((s) => s.server.name))],
      };
    });
    return {
      user: login,
      mailbox,
      directoryHost: entry.host ?? null,
      remembered: remembered ?? null,
      sessions: listeners.reduce((sum, l) => sum + l.sessions, 0),
      listeners,
    };
  }

  /**
   * The `limit` most recently used placements (listeners sharing a state
   * store share one table: each mailbox is listed once), with session counts.
   */
  placements(limit = 100): MailPlacementsView {
    const listeners = this.listeners();
    const seen = new Map<string, MailPlacementView>();
    const tables = new Set<unknown>();
    let total = 0;
    for (const listener of listeners) {
      const { table, total: n, recent } = listener.router.placements(limit);
      if (tables.has(table)) continue;
      tables.add(table);
      total += n;
      for (const p of recent) {
        if (seen.size >= limit || seen.has(p.mailbox)) continue;
        seen.set(p.mailbox, { ...p, sessions: 0 });
      }
    }
    const placements = [...seen.values()].map((p) => ({
      ...p,
      sessions: listeners.reduce((sum, l) => sum + l.router.sessions.of(p.mailbox).length, 0),
    }));
    const servers = new Set<string>();
    for (const l of listeners) for (const s of l.router.pool.servers()) servers.add(s.name);
    return {
      listeners: listeners.length,
      total,
      limit,
      placements,
      servers: [...servers],
    };
  }

  /** Places the user on `server` in every mail listener and kicks their sessions on other servers. */
  async move(login: string, server: string): Promise<MailMoveResult> {
    const listeners = this.listeners();
    if (!listeners.some((l) => l.router.pool.get(server) !== undefined))
      throw new MailServerNotFoundError(server);
    const entry = await this.#resolve(login);
    const mailbox = mailboxKey(entry);
    let kicked = 0;
    for (const listener of listeners) kicked += listener.router.move(mailbox, server);
    return { user: login, mailbox, server, kicked };
  }

  async #resolve(login: string): Promise<MailboxEntry> {
    const first = this.listeners()[0];
    if (first === undefined) throw new MailUserNotFoundError(login);
    try {
      return await first.router.resolve(login);
    } catch (error) {
      if (error instanceof AuthFailedError) throw new MailUserNotFoundError(login);
      throw error;
    }
  }
}

/** A framework-neutral admin route: the admin server adapts it to its router. */
export interface MailAdminRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly handler: (
    params: Readonly<Record<string, string>>,
    body: unknown,
  ) => Promise<{ status: number; body: unknown }>;
}

function errorResponse(error: unknown): { status: number; body: unknown } {
  const code = (error as { code?: string }).code ?? 'LVS7_ERR_INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof MailUserNotFoundError || error instanceof MailServerNotFoundError) {
    return { status: 404, body: { error: code, message } };
  }
  if (error instanceof TemporaryFailureError) return { status: 503, body: { error: code, message } };
  return { status: 500, body: { error: code, message } };
}

/**
 * `GET /api/mail/placements` (the 100 most recent), `GET /api/mail/users/:user`
 * and `POST /api/mail/users/:user/move {server}`.
 */
export function mailAdminRoutes(admin: MailAdmin): MailAdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/mail/users/:user',
      handler: async (params) => {
        try {
          return { status: 200, body: await admin.user(params['user'] ?? '') };
        } catch (error) {
          return errorResponse(error);
        }
      },
    },
    {
      method: 'POST',
      path: '/api/mail/users/:user/move',
      handler: async (params, body) => {
        const server = (body as { server?: unknown } | null)?.server;
        if (typeof server !== 'string' || server === '') {
          return {
            status: 400,
            body: { error: 'LVS7_ERR_BAD_REQUEST', message: 'expected {"server": "<name>"}' },
          };
        }
        try {
          return { status: 200, body: await admin.move(params['user'] ?? '', server) };
        } catch (error) {
          return errorResponse(error);
        }
      },
    },
    {
      method: 'GET',
      path: '/api/mail/placements',
      handler: async () => ({ status: 200, body: admin.placements(100) }),
    },
  ];
}
