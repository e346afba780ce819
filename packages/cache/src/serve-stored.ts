import { notModified, notModifiedHeaders } from './conditional.js';
import type { Exchange } from './exchange.js';
import { ageSeconds } from './freshness.js';
import { rangeFor } from './range.js';
import type { StoredObject } from './stored-object.js';

function copyHeaders(headers: StoredObject['meta']['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    out[name] = typeof value === 'string' ? value : [...value];
  return out;
}

/**
 * Answers the client from a stored object: 304 when its conditionals match,
 * 206 / 416 for a Range against a stored 200, else the stored status and
 * body (no body for HEAD). Age is the object's current age; X-Cache says HIT.
 */
export function serveStored(ex: Exchange, object: StoredObject, now: number): void {
  const { meta, body } = object;
  const request = ex.req.headers;
  const headers = copyHeaders(meta.headers);
  headers.age = ageSeconds(meta, now);
  if (meta.status === 200 && notModified(request, meta.headers)) {
    if (ex.code === 'TCP_HIT' || ex.code === 'TCP_MEM_HIT') ex.code = 'TCP_IMS_HIT';
    const short = { ...notModifiedHeaders(headers), age: headers.age };
    ex.writeHead(304, 'Not Modified', ex.decorate(short, true));
    ex.res.end();
    return;
  }
  const range =
    meta.status === 200 ? rangeFor(request, meta.headers, meta.size) : ({ kind: 'full' } as const);
  const head = ex.method === 'HEAD';
  if (range.kind === 'unsatisfiable') {
    const reply: Record<string, string | string[]> = {
      'content-range': `bytes */${meta.size}`,
      'content-length': '0',
      date: new Date(now).toUTCString(),
    };
    ex.writeHead(416, 'Range Not Satisfiable', ex.decorate(reply, true));
    ex.res.end();
    return;
  }
  if (meta.status === 200) headers['accept-ranges'] = 'bytes';
  let status = meta.status;
  let statusText = meta.statusText;
  let part = body;
  if (range.kind === 'partial') {
    status = 206;
    statusText = 'Partial Content';
    part = body.subarray(range.start, range.end + 1);
    headers['content-range'] = `bytes ${range.start}-${range.end}/${meta.size}`;
  }
  if (status !== 204 && status !== 304) headers['content-length'] = String(part.length);
  ex.writeHead(status, statusText, ex.decorate(headers, true));
  if (head || status === 204) {
    ex.res.end();
    return;
  }
  ex.bytes += part.length;
  ex.res.end(part);
}
