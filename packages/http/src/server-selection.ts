import type { PickContext, Server } from '@lvs7/core';
import type { HttpErrorCode } from './errors.js';
import type { RequestHead } from './http1/request-head.js';
import { cookie } from './request-values.js';
import type { CompiledRoute } from './router.js';
import type { PoolRuntime } from './runtime.js';
import { serverForStickyId, stickyUsable } from './sticky.js';

/** What the sticky cookie of a request said, for deciding whether to (re)issue it. */
export interface StickyState {
  id: string | null;
  refresh: boolean;
}

/**
 * Chooses the server for an attempt and starts its session: the sticky
 * server if usable (first attempt only), else the scheduler, else — every
 * eligible server being at maxConnections — the pool's FIFO queue (a
 * promise, the only one on this path). An error code when there is none.
 */
export function selectServer(
  prt: PoolRuntime,
  route: CompiledRoute,
  req: RequestHead,
  clientAddress: string,
  tried: ReadonlySet<Server> | null,
  sticky: StickyState | null,
): Server | HttpErrorCode | Promise<Server | undefined> {
  const pool = prt.pool;
  if (sticky !== null && tried === null) {
    const server = stickyServer(prt, route, req, sticky);
    if (server !== undefined) {
      pool.sessionStarted(server);
      return server;
    }
  }
  const ctx: PickContext = {
    key: route.key?.(req, clientAddress),
    clientAddress,
    exclude: tried ?? undefined,
  };
  if (route.icpTimeout > 0 && prt.icp !== null && tried === null) return icpSelect(prt, route, req, ctx);
  const server = pool.pick(ctx);
  if (server !== undefined) {
    pool.sessionStarted(server);
    return server;
  }
  // After failures, servers not tried yet may all be busy: do not queue a retry.
  if (tried !== null || pool.eligibleCount === 0) return 'LVS7_HTTP_NO_SERVER';
  if (pool.queued >= prt.maxQueue) return 'LVS7_HTTP_QUEUE_FULL';
  return pool.waitForServer(ctx, prt.queueTimeout);
}

function stickyServer(
  prt: PoolRuntime,
  route: CompiledRoute,
  req: RequestHead,
  sticky: StickyState,
): Server | undefined {
  const codec = route.sticky!;
  const decoded = codec.decode(cookie(req, codec.name), Date.now());
  if (decoded === undefined) return undefined;
  sticky.id = decoded.id;
  sticky.refresh = decoded.refresh;
  const server = serverForStickyId(prt.pool, decoded.id);
  return server !== undefined && stickyUsable(server) ? server : undefined;
}

/**
 * Asks the pool's caches over ICP first and takes one that answered HIT
 * (if it may take the session), else the scheduler's pick. Resolves with
 * the session started, as Pool.waitForServer does.
 */
async function icpSelect(
  prt: PoolRuntime,
  route: CompiledRoute,
  req: RequestHead,
  ctx: PickContext,
): Promise<Server | undefined> {
  const host = req.authority !== '' ? req.authority : 'localhost';
  let hit: Server | undefined;
  try {
    hit = await prt.icp!.locate(new URL(req.target, `http://${host}`).href, route.icpTimeout);
  } catch {
    hit = undefined;
  }
  const pool = prt.pool;
  const server = hit?.eligible && !hit.full && pool.get(hit.name) === hit ? hit : pool.pick(ctx);
  if (server !== undefined) pool.sessionStarted(server);
  return server;
}
