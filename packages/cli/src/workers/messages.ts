import type { ListenerStatsView } from '@lvs7/admin';
import type { Config } from '@lvs7/config';
import type { ServerState } from '@lvs7/core';
import type { AdminChange, TableWrite } from '@lvs7/shared-state';
import type { OverflowTrafficEvent, PeerReport } from '@lvs7/site';

/**
 * What the primary and its workers say to each other over the cluster IPC
 * channel (advanced serialization, so a Config travels as a structured clone).
 * The primary owns the pools' truth (health, admin changes, outlier verdicts
 * summed over workers, connection counts summed over workers and other
 * instances); workers own the listeners and report what they see.
 */

/** One server's state as the primary sees it; workers copy it onto their pools. */
export interface ServerMirror {
  readonly name: string;
  readonly weight: number;
  readonly state: ServerState;
  readonly healthy: boolean;
  readonly ejected: boolean;
  readonly maxConnections: number;
  readonly lastCheck: { at: number; ok: boolean; message: string } | undefined;
}

/** A table of the state store: its options and (in a dump) its entries with their remaining lifetime. */
export interface TableDump {
  readonly name: string;
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly entries: ReadonlyArray<readonly [key: string, value: string, remainingMs: number]>;
}

/**
 * Writes to one table, batched per event-loop turn: versioned as between
 * instances (shared-state's ReplicatedTable), so concurrent writes from two
 * workers settle on the same value everywhere; a touch is a write of the
 * same version.
 */
export interface TableWrites {
  readonly name: string;
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly writes: readonly TableWrite[];
}

/** Overflow inputs, measured by the primary's Site at its interval: the worker's OverflowController decides from them. */
export interface SiteInputs {
  readonly load: number;
  readonly capacity: number | undefined;
  readonly peers: readonly PeerReport[];
}

export type PrimaryMessage =
  | {
      readonly t: 'init';
      readonly config: Config;
      readonly baseDir: string;
      readonly workers: number;
      readonly changes: readonly AdminChange[];
      readonly pools: Readonly<Record<string, readonly ServerMirror[]>>;
      readonly tables: readonly TableDump[];
    }
  | { readonly t: 'reload'; readonly id: number; readonly config: Config; readonly workers: number }
  | { readonly t: 'admin'; readonly change: AdminChange }
  | { readonly t: 'pools'; readonly pools: Readonly<Record<string, readonly ServerMirror[]>> }
  /** Sessions on each server outside this worker (other workers, other instances): pool → server → count. */
  | { readonly t: 'remote'; readonly counts: Readonly<Record<string, Readonly<Record<string, number>>>> }
  | { readonly t: 'tables'; readonly tables: readonly TableWrites[] }
  | {
      readonly t: 'rpc';
      readonly id: number;
      readonly method: string;
      readonly path: string;
      readonly params: Record<string, string>;
      readonly body: unknown;
    }
  | { readonly t: 'site'; readonly inputs: SiteInputs }
  | { readonly t: 'drain' }
  /** Answer to `stopped`: every connection the primary handed this worker has reached it; it may exit. */
  | { readonly t: 'exit' };

export type WorkerMessage =
  /** The worker listens for messages now (anything sent before would be lost): the primary sends `init`. */
  | { readonly t: 'hello' }
  | { readonly t: 'ready' }
  /** Stopped accepting and finished its sessions; waits for `exit`. */
  | { readonly t: 'stopped' }
  /** Applied the reload with this id. */
  | { readonly t: 'reloaded'; readonly id: number }
  /** Local sessions per server and sessions started since the last report: pool → server → [active, started]. */
  | {
      readonly t: 'counts';
      readonly counts: Readonly<Record<string, Readonly<Record<string, readonly [number, number]>>>>;
    }
  | { readonly t: 'ejection'; readonly pool: string; readonly server: string; readonly ejected: boolean }
  | { readonly t: 'tables'; readonly tables: readonly TableWrites[] }
  | { readonly t: 'stats'; readonly listeners: readonly ListenerStatsView[] }
  /** A session this worker sent to a peer site (or received from one), for the primary's /api/site and metrics. */
  | {
      readonly t: 'site-traffic';
      readonly event: OverflowTrafficEvent;
      readonly listener: string;
      readonly protocol: string;
      readonly peer: string;
    }
  | { readonly t: 'rpc-reply'; readonly id: number; readonly status: number; readonly body: unknown };
