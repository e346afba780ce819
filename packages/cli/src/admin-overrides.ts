import type { ServerPatch } from '@lvs7/admin';
import type { ServerSpec } from '@lvs7/core';
import type { AdminChange } from '@lvs7/shared-state';

interface PoolOverrides {
  readonly added: Map<string, ServerSpec>;
  readonly removed: Set<string>;
  readonly patches: Map<string, ServerPatch>;
}

/**
 * Changes made through the admin API, remembered so a reload keeps them
 * (HAProxy needs a server-state file for that; users expect it by default).
 * A reload applies them on top of the new file: added servers stay, removed
 * ones stay gone, and weight/state patches win over the file's values.
 */
export class AdminOverrides {
  readonly #pools = new Map<string, PoolOverrides>();

  recordAdd(pool: string, spec: ServerSpec): void {
    const o = this.#of(pool);
    o.removed.delete(spec.name);
    o.patches.delete(spec.name);
    o.added.set(spec.name, spec);
  }

  recordRemove(pool: string, server: string): void {
    const o = this.#of(pool);
    o.added.delete(server);
    o.patches.delete(server);
    o.removed.add(server);
  }

  recordPatch(pool: string, server: string, patch: ServerPatch): void {
    const o = this.#of(pool);
    const merged = { ...o.patches.get(server) };
    if (patch.weight !== undefined) merged.weight = patch.weight;
    if (patch.state !== undefined) merged.state = patch.state;
    o.patches.set(server, merged);
  }

  /** The pool's servers: the file's, with the admin changes applied. */
  apply(pool: string, fromFile: readonly ServerSpec[]): ServerSpec[] {
    const o = this.#pools.get(pool);
    if (!o) return [...fromFile];
    const names = new Set(fromFile.map((s) => s.name));
    const specs = fromFile.filter((s) => !o.removed.has(s.name));
    for (const [name, spec] of o.added) if (!names.has(name)) specs.push(spec);
    return specs.map((spec) => {
      const patch = o.patches.get(spec.name);
      if (!patch) return spec;
      return {
        ...spec,
        ...(patch.weight !== undefined ? { weight: patch.weight } : {}),
        ...(patch.state !== undefined ? { state: patch.state } : {}),
      };
    });
  }

  /** Records a change made elsewhere (another instance, through shared state). */
  record(change: AdminChange): void {
    if (change.type === 'add') this.recordAdd(change.pool, change.spec);
    else if (change.type === 'remove') this.recordRemove(change.pool, change.server);
    else this.recordPatch(change.pool, change.server, { weight: change.weight, state: change.state });
  }

  /** Every change in force, as changes (for a process that starts from them). */
  changes(): AdminChange[] {
    const out: AdminChange[] = [];
    for (const [pool, o] of this.#pools) {
      for (const server of o.removed) out.push({ type: 'remove', pool, server });
      for (const spec of o.added.values()) out.push({ type: 'add', pool, spec });
      for (const [server, patch] of o.patches)
        out.push({ type: 'patch', pool, server, weight: patch.weight, state: patch.state });
    }
    return out;
  }

  /** Forgets a pool that the new file no longer has. */
  forget(pool: string): void {
    this.#pools.delete(pool);
  }

  #of(pool: string): PoolOverrides {
    let o = this.#pools.get(pool);
    if (!o) {
      o = { added: new Map(), removed: new Set(), patches: new Map() };
      this.#pools.set(pool, o);
    }
    return o;
  }
}
