/** Cluster names and instance ids go into every key: keep them to characters that need no escaping. */
export const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** What periodically refreshed per-instance snapshots are about. */
export type SnapshotKind = 'active' | 'health';

/**
 * Every Redis key and pub/sub channel of one lvs7 cluster. All start with
 * `lvs7:{<cluster>}:`: the braces are a Redis Cluster hash tag, so a
 * cluster's keys share one slot and the Lua scripts and pipelines that touch
 * several of them work on Redis Cluster too (the state is small and bounded,
 * so one shard holds it easily).
 *
 *   lvs7:{c}:t:<table>:<key>      table entry: JSON [ts, origin, value], PX = table ttl
 *   lvs7:{c}:admin                hash <pool>\0<server> → JSON admin record (no ttl)
 *   lvs7:{c}:members:<kind>       sorted set instance id → last seen (Redis time, ms)
 *   lvs7:{c}:<kind>:<instance>    JSON snapshot (active counts / health verdicts), PX ttl
 *   channels lvs7:{c}:pub:tables, lvs7:{c}:pub:admin, lvs7:{c}:pub:health
 *
 * <table> is URI-encoded, so table names with `:` (pool:web:locality) cannot
 * run into each other's key space; <key> is used as is (only its prefix matters).
 */
export class ClusterKeys {
  readonly cluster: string;
  readonly prefix: string;

  constructor(cluster: string) {
    if (!NAME_PATTERN.test(cluster)) throw new RangeError(`invalid cluster name "${cluster}"`);
    this.cluster = cluster;
    this.prefix = `lvs7:{${cluster}}:`;
  }

  /** The prefix of every key of `table` (ends with `:`). */
  tablePrefix(table: string): string {
    return `${this.prefix}t:${encodeURIComponent(table)}:`;
  }

  tableKey(table: string, key: string): string {
    return this.tablePrefix(table) + key;
  }

  /** A SCAN MATCH pattern for every key of `table`. */
  tablePattern(table: string): string {
    return `${escapeGlob(this.tablePrefix(table))}*`;
  }

  /** The entry key of a table key, or undefined when it is not one of `table`'s. */
  entryOf(table: string, redisKey: string): string | undefined {
    const prefix = this.tablePrefix(table);
    return redisKey.startsWith(prefix) ? redisKey.slice(prefix.length) : undefined;
  }

  get admin(): string {
    return `${this.prefix}admin`;
  }

  members(kind: SnapshotKind): string {
    return `${this.prefix}members:${kind}`;
  }

  /** The prefix of every instance's snapshot of `kind`; append the instance id. */
  snapshotPrefix(kind: SnapshotKind): string {
    return `${this.prefix}${kind}:`;
  }

  snapshot(kind: SnapshotKind, instanceId: string): string {
    return this.snapshotPrefix(kind) + instanceId;
  }

  get tablesChannel(): string {
    return `${this.prefix}pub:tables`;
  }

  get adminChannel(): string {
    return `${this.prefix}pub:admin`;
  }

  get healthChannel(): string {
    return `${this.prefix}pub:health`;
  }
}

/** The hash field of one server's admin record. */
export function adminField(pool: string, server: string): string {
  return `${pool}\u0000${server}`;
}

/** Escapes Redis glob characters (`* ? [ ] \`), so a literal prefix matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
