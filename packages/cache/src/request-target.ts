import type { IncomingMessage } from 'node:http';
import { single } from './cache-control.js';
import { BadTargetError, MethodNotSupportedError } from './errors.js';

/** What a request asks for, once its target is understood. */
export interface RequestTarget {
  /** The cache key: the normalized absolute URL (scheme and host lowercase, default port dropped). */
  readonly url: string;
  /** Origin-form request for the origin pool (accelerator mode) rather than absolute-form (forward proxy). */
  readonly accelerated: boolean;
}

/**
 * Reads the request target: absolute-form (`GET http://host/path`, as a
 * browser configured with a proxy and Squid's peers send) is forwarded to
 * that URL; origin-form (`GET /path`) is accelerated, keyed by its Host,
 * when the node has an origin pool. CONNECT is not relayed.
 */
export function requestTarget(req: IncomingMessage, hasOrigin: boolean): RequestTarget {
  const method = req.method ?? 'GET';
  if (method === 'CONNECT') throw new MethodNotSupportedError(method);
  const raw = req.url ?? '';
  if (/^https?:\/\//i.test(raw)) {
    return { url: normalizeUrl(raw), accelerated: false };
  }
  if (!raw.startsWith('/')) throw new BadTargetError(`"${raw.slice(0, 100)}"`);
  if (!hasOrigin) throw new BadTargetError('origin-form request, but this cache has no origin pool');
  const host = single(req.headers.host);
  if (host === undefined || host === '') throw new BadTargetError('origin-form request without Host');
  return { url: normalizeUrl(`http://${host}${raw}`), accelerated: true };
}

/** The WHATWG form of a URL (what Squid's canonical URL also gives for plain http URLs); fragment dropped. */
export function normalizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadTargetError(`"${raw.slice(0, 100)}" is not a URL`);
  }
  if (url.username !== '' || url.password !== '') throw new BadTargetError('credentials in the URL');
  url.hash = '';
  return url.href;
}

/** The origin-form part of an absolute URL (path and query). */
export function originForm(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}
