import { type Pool, SERVER_STATES, type ServerSpec, type ServerState } from '@lvs7/core';

/**
 * A change made through the admin API, as shared between instances. The
 * same shape is what load() returns for each server that has one stored:
 * there, a patch made to a server added at runtime is already folded into
 * its `add` spec.
 */
export type AdminChange =
  | { readonly type: 'add'; readonly pool: string; readonly spec: ServerSpec }
  | { readonly type: 'remove'; readonly pool: string; readonly server: string }
  | {
      readonly type: 'patch';
      readonly pool: string;
      readonly server: string;
      readonly weight?: number | undefined;
      readonly state?: ServerState | undefined;
    };

/** The server a change is about. */
export function changedServer(change: AdminChange): string {
  return change.type === 'add' ? change.spec.name : change.server;
}

/** JSON for Redis: only defined fields (the Lua merge reads absent fields as nil). */
export function encodeChange(change: AdminChange): string {
  return JSON.stringify(change);
}

/** A change read from Redis or a message, or undefined when it is not one. */
export function decodeChange(value: unknown): AdminChange | undefined {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const c = v as Record<string, unknown>;
  if (typeof c.pool !== 'string') return undefined;
  if (c.type === 'add') {
    const spec = c.spec as Record<string, unknown> | undefined;
    if (typeof spec?.name !== 'string' || typeof spec.address !== 'string') return undefined;
    return { type: 'add', pool: c.pool, spec: spec as unknown as ServerSpec };
  }
  if (typeof c.server !== 'string') return undefined;
  if (c.type === 'remove') return { type: 'remove', pool: c.pool, server: c.server };
  if (c.type !== 'patch') return undefined;
  const weight = typeof c.weight === 'number' ? c.weight : undefined;
  const state = SERVER_STATES.includes(c.state as ServerState) ? (c.state as ServerState) : undefined;
  return {
    type: 'patch',
    pool: c.pool,
    server: c.server,
    ...(weight !== undefined ? { weight } : {}),
    ...(state !== undefined ? { state } : {}),
  };
}

/**
 * Applies a change to a live pool, idempotently (a change can arrive twice:
 * once by pub/sub, again when reconciling after an outage): an `add` of a
 * server the pool has updates its weight and state; a `remove` of a server
 * it lacks, or a patch of one, does nothing. Returns the removal's promise
 * for `remove` (the pool drains the server first).
 */
export function applyAdminChange(pool: Pool, change: AdminChange): Promise<void> | undefined {
  if (change.type === 'remove') return pool.get(change.server) ? pool.remove(change.server) : undefined;
  if (change.type === 'add') {
    const current = pool.get(change.spec.name);
    if (current === undefined || current.address !== change.spec.address) {
      if (current !== undefined) {
        // A new server under an old name: drain the old one first.
        return pool.remove(current.name).then(() => {
          if (pool.get(change.spec.name) === undefined) pool.add(change.spec);
        });
      }
      pool.add(change.spec);
      return undefined;
    }
    const { weight, state } = change.spec;
    if (weight !== undefined && current.configuredWeight !== weight) pool.setWeight(current.name, weight);
    if (state !== undefined && current.state !== state) pool.setState(current.name, state);
    return undefined;
  }
  if (pool.get(change.server) === undefined) return undefined;
  if (change.weight !== undefined) pool.setWeight(change.server, change.weight);
  if (change.state !== undefined) pool.setState(change.server, change.state);
  return undefined;
}
