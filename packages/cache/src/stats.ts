import type { CacheRequestEvent } from './channels.js';

/** Request counters of a cache node (see CacheNode.stats()). */
export interface CacheCounters {
  requests: number;
  /** Answered from the store without asking anyone (TCP_HIT, TCP_MEM_HIT, TCP_IMS_HIT). */
  hits: number;
  /** Of the hits, from memory. */
  memoryHits: number;
  /** Fetched a full response from upstream. */
  misses: number;
  /** Revalidated a stale object: 304 (unmodified) or a new object (modified). */
  refreshUnmodified: number;
  refreshModified: number;
  /** Upstream failed on revalidation; the stale object was served. */
  refreshFailStale: number;
  /** Waited for another request's fill instead of fetching. */
  coalesced: number;
  /** Misses fetched from a sibling (SIBLING_HIT), through a parent, or from the origin. */
  fromSiblings: number;
  fromParents: number;
  fromOrigin: number;
  /** Responses put in the store. */
  stored: number;
  /** Error replies (4xx/5xx made by the node itself). */
  errors: number;
}

export function newCounters(): CacheCounters {
  return {
    requests: 0,
    hits: 0,
    memoryHits: 0,
    misses: 0,
    refreshUnmodified: 0,
    refreshModified: 0,
    refreshFailStale: 0,
    coalesced: 0,
    fromSiblings: 0,
    fromParents: 0,
    fromOrigin: 0,
    stored: 0,
    errors: 0,
  };
}

/** Counts one finished request. */
export function count(counters: CacheCounters, event: CacheRequestEvent): void {
  counters.requests++;
  if (event.coalesced) counters.coalesced++;
  switch (event.code) {
    case 'TCP_MEM_HIT':
      counters.memoryHits++;
      counters.hits++;
      break;
    case 'TCP_HIT':
    case 'TCP_IMS_HIT':
      counters.hits++;
      break;
    case 'TCP_MISS':
      counters.misses++;
      break;
    case 'TCP_REFRESH_UNMODIFIED':
      counters.refreshUnmodified++;
      break;
    case 'TCP_REFRESH_MODIFIED':
      counters.refreshModified++;
      break;
    case 'TCP_REFRESH_FAIL_OLD':
      counters.refreshFailStale++;
      break;
  }
  if (event.hierarchy === 'SIBLING_HIT') counters.fromSiblings++;
  else if (event.hierarchy === 'HIER_DIRECT') counters.fromOrigin++;
  else if (event.hierarchy !== 'HIER_NONE') counters.fromParents++;
}
