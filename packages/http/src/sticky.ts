import { createHash } from 'node:crypto';
import type { Pool, Server } from '@lvs7/core';
import { InvalidHttpOptionError } from './errors.js';
import { TOKEN } from './http1/chars.js';
import type { StickyOptions } from './options.js';

const ids = new WeakMap<Server, string>();
const indexes = new WeakMap<Pool, Map<string, Server>>();

/**
 * A server's opaque sticky id: a hash of pool and server names, so cookies
 * leak neither names nor addresses and survive restarts and reloads.
 */
export function stickyId(pool: Pool, server: Server): string {
  let id = ids.get(server);
  if (id === undefined) {
    id = createHash('sha256').update(`${pool.name}\0${server.name}`).digest('base64url').slice(0, 12);
    ids.set(server, id);
  }
  return id;
}

/** The server a sticky id names, through an index rebuilt when the pool changes. */
export function serverForStickyId(pool: Pool, id: string): Server | undefined {
  let index = indexes.get(pool);
  if (index === undefined) {
    index = new Map();
    for (const server of pool.servers()) index.set(stickyId(pool, server), server);
    indexes.set(pool, index);
    pool.once('change', () => indexes.delete(pool));
  }
  return index.get(id);
}

/**
 * Sticky sessions honour a server while it may still serve its sessions:
 * drain is fine (that is what drain is for), maint, failed health checks
 * and outlier ejection are not.
 */
export function stickyUsable(server: Server): boolean {
  return (
    server.state !== 'maint' &&
    server.healthy &&
    !server.ejected &&
    server.configuredWeight > 0 &&
    !server.full
  );
}

/**
 * HAProxy `cookie insert`: the value is `<id>` or, with a ttl, `<id>.<expiry
 * in base-36 seconds>` so an expired cookie is refused even if the client
 * kept it; it is re-issued when half its life has gone.
 */
export class StickyCookie {
  readonly name: string;
  readonly #ttl: number;

  constructor(options: StickyOptions, what: string) {
    const name = options.cookie;
    let ok = name.length > 0;
    for (let i = 0; ok && i < name.length; i++) ok = TOKEN[name.charCodeAt(i)] === 1;
    if (!ok) throw new InvalidHttpOptionError(`${what}.sticky.cookie: invalid cookie name "${name}"`);
    const ttl = options.ttl ?? 0;
    if (!Number.isFinite(ttl) || ttl < 0) throw new InvalidHttpOptionError(`${what}.sticky.ttl: invalid ttl`);
    this.name = name;
    this.#ttl = ttl;
  }

  /** The id a cookie value carries, if well-formed and unexpired; and whether it needs refreshing. */
  decode(value: string | undefined, now: number): { id: string; refresh: boolean } | undefined {
    if (value === undefined) return undefined;
    const dot = value.indexOf('.');
    if (this.#ttl === 0) return dot < 0 && value.length > 0 ? { id: value, refresh: false } : undefined;
    if (dot <= 0) return undefined;
    const expires = Number.parseInt(value.slice(dot + 1), 36) * 1000;
    if (!Number.isFinite(expires) || expires <= now) return undefined;
    return { id: value.slice(0, dot), refresh: expires - now < this.#ttl / 2 };
  }

  /** The Set-Cookie field line (with CRLF) naming server `id`. */
  encode(id: string, now: number): string {
    if (this.#ttl === 0) return `Set-Cookie: ${this.name}=${id}; Path=/; HttpOnly\r\n`;
    const expires = Math.ceil((now + this.#ttl) / 1000);
    const maxAge = Math.ceil(this.#ttl / 1000);
    return `Set-Cookie: ${this.name}=${id}.${expires.toString(36)}; Max-Age=${maxAge}; Path=/; HttpOnly\r\n`;
  }
}
