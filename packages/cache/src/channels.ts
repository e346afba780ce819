import { channel } from 'node:diagnostics_channel';
import type { HierarchyCode } from './peering.js';

/** Squid's result codes for how a request was answered. */
export type CacheResultCode =
  | 'TCP_HIT'
  | 'TCP_MEM_HIT'
  | 'TCP_IMS_HIT'
  | 'TCP_MISS'
  | 'TCP_REFRESH_UNMODIFIED'
  | 'TCP_REFRESH_MODIFIED'
  | 'TCP_REFRESH_FAIL_OLD'
  | 'TCP_DENIED'
  | 'NONE';

/** Published on `lvs7:cache:request` once per request, as Squid's access.log line. */
export interface CacheRequestEvent {
  readonly node: string;
  readonly client: string;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly code: CacheResultCode;
  readonly hierarchy: HierarchyCode;
  /** The peer or origin server that answered a miss. */
  readonly upstream: string | undefined;
  /** Body bytes sent to the client. */
  readonly bytes: number;
  readonly durationMs: number;
  /** Waited for another request's fill instead of fetching. */
  readonly coalesced: boolean;
}

export const cacheChannels = {
  request: channel('lvs7:cache:request'),
} as const;
