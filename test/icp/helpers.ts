import { request } from 'node:http';
import type { HttpOrigin, OriginHandler } from '@lvs7/testkit';

/** GET `url` through an HTTP proxy (Squid's http_port): absolute URI in the request line. */
export function getViaProxy(
  proxyPort: number,
  url: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: proxyPort,
      method: 'GET',
      path: url,
      headers: { host: new URL(url).host },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.end();
  });
}

/** An origin handler serving `body` as a cacheable object (an hour fresh). */
export function cacheable(body: string): OriginHandler {
  return (req, res) => {
    req.resume();
    res.setHeader('cache-control', 'max-age=3600');
    res.setHeader('content-type', 'text/plain');
    res.setHeader('last-modified', new Date(Date.now() - 60_000).toUTCString());
    res.end(body);
  };
}

export function objectUrl(origin: HttpOrigin, path: string): string {
  return `${origin.url}${path}`;
}
