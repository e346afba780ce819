/**
 * How an instance turns health observations into the verdict it applies:
 * - `local`: its own checks only (observations are still shared, for status pages);
 * - `any`: down when any live instance sees the server down;
 * - `quorum`: down when at least `quorum` instances see it down (default: a
 *   majority of the instances that report on the server).
 * In every mode a server this instance's own checks see down stays down
 * here: consensus only adds downs, it never sends traffic to a server this
 * instance cannot reach (and so never fights its own health checker that way).
 */
export type HealthMode = 'local' | 'any' | 'quorum';

export const HEALTH_MODES: readonly HealthMode[] = ['local', 'any', 'quorum'];

export interface CombinedVerdict {
  readonly healthy: boolean;
  /** Instances (this one included) that see the server down. */
  readonly down: number;
  /** Instances (this one included) that report on the server. */
  readonly observers: number;
}

/** `remote`: the other instances' observations of one server (true = up). */
export function combineVerdict(
  localUp: boolean,
  remote: readonly boolean[],
  mode: HealthMode,
  quorum?: number,
): CombinedVerdict {
  const observers = remote.length + 1;
  let down = localUp ? 0 : 1;
  for (const up of remote) if (!up) down++;
  if (!localUp || mode === 'local') return { healthy: localUp, down, observers };
  const needed = mode === 'any' ? 1 : (quorum ?? Math.floor(observers / 2) + 1);
  return { healthy: down < needed, down, observers };
}

/** One instance's observations: `{ n: sequence, h: { pool: { server: 1 | 0 } } }`. */
export interface HealthSnapshot {
  readonly n: number;
  readonly h: Record<string, Record<string, 0 | 1>>;
}

export function decodeSnapshot(value: unknown): HealthSnapshot | undefined {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { n, h } = v as { n?: unknown; h?: unknown };
  if (typeof n !== 'number' || typeof h !== 'object' || h === null) return undefined;
  const pools: Record<string, Record<string, 0 | 1>> = {};
  for (const [pool, servers] of Object.entries(h as Record<string, unknown>)) {
    if (typeof servers !== 'object' || servers === null) continue;
    const out: Record<string, 0 | 1> = {};
    for (const [server, up] of Object.entries(servers as Record<string, unknown>)) {
      if (up === 0 || up === 1) out[server] = up;
    }
    pools[pool] = out;
  }
  return { n, h: pools };
}
