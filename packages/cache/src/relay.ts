import type { ServerResponse } from 'node:http';
import { single } from './cache-control.js';
import { describeResponse, unstorableReason } from './cacheability.js';
import { notModified, notModifiedHeaders } from './conditional.js';
import type { Exchange } from './exchange.js';
import { endToEnd } from './headers.js';
import type { ObjectStore } from './object-store.js';
import { type RangeResult, rangeFor } from './range.js';
import type { StoredObject } from './stored-object.js';
import type { UpstreamResponse } from './upstream.js';
import { variantKey, varyFields } from './vary.js';

export interface RelayOptions {
  /** Where to store the response; undefined: never store (pass-through). */
  readonly store: ObjectStore | undefined;
  /** The method sent upstream (a HEAD client's revalidation is sent as GET). */
  readonly upstreamMethod: string;
  readonly maxObjectSize: number;
  /** When the upstream request was sent (ms since the epoch). */
  readonly requestTime: number;
}

export interface RelayResult {
  /** The object now in the store, if the response was stored. */
  readonly stored: StoredObject | undefined;
  /** Why it was not stored (`too-large`, `no-store`, ...), if it was not. */
  readonly notStored: string | undefined;
}

/** How the client gets the upstream response. */
type ClientForm =
  | { readonly kind: 'not-modified' }
  | { readonly kind: 'range'; readonly range: RangeResult & { kind: 'partial' | 'unsatisfiable' } }
  | { readonly kind: 'full' };

function contentLength(headers: UpstreamResponse['headers']): number | undefined {
  const text = single(headers['content-length']);
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

function clientForm(ex: Exchange, response: UpstreamResponse, length: number | undefined): ClientForm {
  if (response.status !== 200 || (ex.method !== 'GET' && ex.method !== 'HEAD')) return { kind: 'full' };
  if (notModified(ex.req.headers, response.headers)) return { kind: 'not-modified' };
  if (length === undefined || ex.method !== 'GET') return { kind: 'full' };
  const range = rangeFor(ex.req.headers, response.headers, length);
  return range.kind === 'full' ? { kind: 'full' } : { kind: 'range', range };
}

/** Resolves when the response can take more data, or false once the client is gone. */
function writable(res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * Streams an upstream response to the client while keeping a copy for the
 * store (a miss is never buffered before the client sees it). The client
 * may get a 304 (its validators match), a 206 / 416 (its Range against a
 * response of known length) or the response as is. The copy is stored if
 * RFC 9111 allows, it is complete, and it stays under maxObjectSize;
 * larger objects are passed through. If the client leaves, a storable
 * object is still read to the end and stored.
 */
export async function relay(
  ex: Exchange,
  response: UpstreamResponse,
  options: RelayOptions,
): Promise<RelayResult> {
  const responseTime = Date.now();
  const length = contentLength(response.headers);
  let notStored =
    options.store === undefined
      ? 'pass-through'
      : unstorableReason({
          method: options.upstreamMethod,
          status: response.status,
          requestHeaders: ex.req.headers,
          requestCc: ex.requestCc,
          responseHeaders: response.headers,
        });
  if (notStored === undefined && length !== undefined && length > options.maxObjectSize)
    notStored = 'too-large';

  const form = clientForm(ex, response, length);
  const headers = endToEnd(response.headers);
  let send = ex.method !== 'HEAD' && response.status !== 204 && response.status !== 304;
  let start = 0;
  let end = Number.POSITIVE_INFINITY;
  if (form.kind === 'not-modified') {
    send = false;
    ex.writeHead(304, 'Not Modified', ex.decorate(notModifiedHeaders(headers), false));
  } else if (form.kind === 'range' && form.range.kind === 'unsatisfiable') {
    send = false;
    const reply = { 'content-range': `bytes */${length}`, 'content-length': '0' };
    ex.writeHead(416, 'Range Not Satisfiable', ex.decorate(reply, false));
  } else if (form.kind === 'range' && form.range.kind === 'partial') {
    ({ start, end } = form.range);
    headers['content-range'] = `bytes ${start}-${end}/${length}`;
    headers['content-length'] = String(end - start + 1);
    ex.writeHead(206, 'Partial Content', ex.decorate(headers, false));
  } else {
    if (!send && ex.method !== 'HEAD') delete headers['content-length'];
    ex.writeHead(response.status, response.statusText, ex.decorate(headers, false));
  }
  if (!send) ex.res.end();

  const chunks: Buffer[] = [];
  let total = 0;
  let sent = 0;
  let failed = true;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      const offset = total;
      total += chunk.length;
      if (notStored === undefined) {
        if (total > options.maxObjectSize) {
          notStored = 'too-large';
          chunks.length = 0;
        } else {
          chunks.push(chunk);
        }
      }
      if (send && !ex.gone && total > start && offset <= end) {
        const part =
          offset >= start && total - 1 <= end
            ? chunk
            : chunk.subarray(Math.max(0, start - offset), end + 1 - offset);
        sent += part.length;
        if (!ex.res.write(part) && !(await writable(ex.res))) send = false;
      }
      // Nothing more to send and nothing to keep: stop reading.
      if (notStored !== undefined && (ex.gone || !send || total > end)) break;
    }
    failed = false;
  } finally {
    ex.bytes += sent;
    if (!ex.gone) {
      const expected = form.kind === 'range' ? end - start + 1 : length;
      // A client must not take a truncated body as complete: cut the connection instead.
      if (failed || (send && expected !== undefined && sent < expected)) ex.res.destroy();
      else ex.res.end();
    }
  }
  const complete = notStored === undefined && (length === undefined || total === length);
  if (!complete || options.store === undefined)
    return { stored: undefined, notStored: notStored ?? 'incomplete' };
  const vary = varyFields(response.headers);
  const key = Array.isArray(vary) ? variantKey(ex.target.url, vary, ex.req.headers) : ex.target.url;
  const object: StoredObject = {
    meta: describeResponse({
      key,
      url: ex.target.url,
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      size: total,
      requestTime: options.requestTime,
      responseTime,
    }),
    body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total),
  };
  return options.store.put(object)
    ? { stored: object, notStored: undefined }
    : { stored: undefined, notStored: 'store-refused' };
}
