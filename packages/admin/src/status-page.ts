import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminTarget } from './admin-target.js';
import { poolView } from './pool-view.js';

let html: Buffer | undefined;

/** The status page (a static file; all data comes live from /api/events). */
export function sendStatusPage(res: ServerResponse): void {
  html ??= readFileSync(new URL('../assets/status.html', import.meta.url));
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': html.length,
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'content-security-policy':
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  });
  res.end(html);
}

/** Everything the status page shows, at one moment. */
export function statusSnapshot(target: AdminTarget) {
  return {
    at: Date.now(),
    health: target.health(),
    pools: [...target.pools().values()].map(poolView),
    listeners: target.listenerStats?.() ?? [],
  };
}

/**
 * Server-sent events: a `status` event at once and then every `intervalMs`
 * while the client stays connected.
 */
export function streamStatus(
  req: IncomingMessage,
  res: ServerResponse,
  target: AdminTarget,
  intervalMs = 1000,
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const send = () => res.write(`event: status\ndata: ${JSON.stringify(statusSnapshot(target))}\n\n`);
  send();
  const timer = setInterval(send, intervalMs);
  req.socket.setTimeout(0);
  const stop = () => clearInterval(timer);
  req.once('close', stop);
  res.once('close', stop);
}
