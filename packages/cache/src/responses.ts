import { STATUS_CODES } from 'node:http';
import { Lvs7Error } from '@lvs7/core';
import type { Logger } from 'pino';
import { AccessDeniedError, CacheHttpError, ForwardingLoopError } from './errors.js';
import type { Exchange } from './exchange.js';
import { upstreamError } from './upstream.js';

/**
 * The one place errors become HTTP replies: a CacheHttpError gives its
 * status (400, 501, 503, 504, 508...), any other failure on the way
 * upstream is a 502. The reply names the error code (`X-Lvs7-Error`) and is
 * never stored by anyone. Once the response head is out, the connection
 * is cut instead (a truncated body must not look complete).
 */
export function sendError(ex: Exchange, error: unknown, logger: Logger): void {
  const failure = error instanceof CacheHttpError ? error : upstreamError(ex.upstream ?? 'upstream', error);
  // Failures are per request (the access event records them); only the unexpected are warnings.
  const expected =
    error instanceof Lvs7Error || String((error as { code?: unknown })?.code).startsWith('UND_ERR');
  logger[expected ? 'debug' : 'warn']({ err: error, url: ex.target.url }, 'cache: request failed');
  if (failure instanceof ForwardingLoopError || failure instanceof AccessDeniedError) ex.code = 'TCP_DENIED';
  else if (ex.code === 'NONE') ex.code = 'TCP_MISS';
  if (ex.res.headersSent) {
    ex.res.destroy();
    return;
  }
  if (ex.gone) return;
  const body = `${failure.message}\n`;
  const headers = ex.decorate(
    {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': 'no-store',
      'x-lvs7-error': failure.code,
    },
    false,
  );
  ex.writeHead(failure.status, STATUS_CODES[failure.status] ?? '', headers);
  if (ex.method === 'HEAD') ex.res.end();
  else {
    ex.bytes += Buffer.byteLength(body);
    ex.res.end(body);
  }
}
