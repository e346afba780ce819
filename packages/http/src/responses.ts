import { STATUS_CODES } from 'node:http';

const cache = new Map<number, Buffer>();

/**
 * Responses lvs7 makes itself (errors, default route): a short text body
 * naming the status, never details of what failed (those go to stats and
 * debug logs). Cached per (status, close) as ready buffers.
 */
export function localResponse(status: number, close: boolean): Buffer {
  const k = close ? -status : status;
  let buf = cache.get(k);
  if (buf === undefined) {
    const reason = STATUS_CODES[status] ?? 'Unknown';
    const body = `${status} ${reason}\n`;
    let head = `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nCache-Control: no-store\r\n`;
    if (status === 503) head += 'Retry-After: 1\r\n';
    if (close) head += 'Connection: close\r\n';
    buf = Buffer.from(`${head}\r\n${body}`, 'latin1');
    cache.set(k, buf);
  }
  return buf;
}

/** A local response carrying extra header lines (`lines`, each ending in CRLF): built, not cached. */
export function localResponseWith(status: number, close: boolean, lines: string): Buffer {
  const base = localResponse(status, close);
  if (lines === '') return base;
  const at = base.indexOf('\r\n\r\n') + 2;
  const extra = Buffer.from(lines, 'latin1');
  return Buffer.concat([base.subarray(0, at), extra, base.subarray(at)], base.length + extra.length);
}

/** Length of the body of a local response (for byte counters). */
export function localResponseSize(status: number, close: boolean): number {
  return localResponse(status, close).length;
}

export const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
