import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Site } from './site.js';

/** Same shape as the admin server's RouteHandler, so `admin.route(r.method, r.path, r.handler)` takes it. */
export type SiteRouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
) => unknown;

export interface SiteRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly handler: SiteRouteHandler;
}

/**
 * The site's part of the admin API. `/api/site/announce` is what the BGP
 * announcer polls every 100–200 ms: 200 to carry the VIP, 503 to withdraw,
 * with a tiny body so a poll costs next to nothing.
 */
export function siteRoutes(site: Site): SiteRoute[] {
  return [
    { method: 'GET', path: '/api/site', handler: (_req, res) => sendJson(res, 200, site.view()) },
    {
      method: 'GET',
      path: '/api/site/announce',
      handler: (_req, res) => {
        const decision = site.announceDecision();
        sendJson(res, decision.announce ? 200 : 503, decision);
      },
    },
    {
      method: 'POST',
      path: '/api/site/drain',
      handler: (req, res) => {
        req.resume();
        site.drain();
        sendJson(res, 202, { draining: true, announcing: site.announcing, active: site.measure().active });
      },
    },
    {
      method: 'POST',
      path: '/api/site/resume',
      handler: (req, res) => {
        req.resume();
        site.resume();
        sendJson(res, 200, { draining: false, announcing: site.announcing });
      },
    },
  ];
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}
