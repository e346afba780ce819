import { buildConnector, Client } from 'undici';
import { formatHostPort } from '../address.js';
import { HealthCheckFailedError, InvalidHealthCheckOptionError } from '../errors.js';
import { type Preamble, preambleBytes } from '../proxy-protocol/encode.js';
import {
  asCheckFailure,
  type HealthProbe,
  type HealthTarget,
  optionalPort,
  optionalString,
  proxyPreamble,
  registerHealthCheck,
  rejectUnknownOptions,
} from './health-probe.js';
import { abortReason } from './tcp-probe.js';

/** At most this much of a body is read to match `body`. */
export const HTTP_CHECK_MAX_BODY = 64 * 1024;

/** Inclusive status ranges, e.g. "200-399", "200,204,300-399" or 200. */
export type StatusRanges = readonly (readonly [number, number])[];

export interface HttpProbeOptions {
  /** Request path (with query); default "/". */
  readonly path?: string | undefined;
  /** GET (default) or HEAD. */
  readonly method?: 'GET' | 'HEAD' | undefined;
  /** Passing statuses; default "200-399" (a redirect passes: it is never followed). */
  readonly status?: string | number | undefined;
  /** The first 64 KiB of the body must contain this string or match this regex. */
  readonly body?: string | RegExp | undefined;
  /** Host header; default the server's host:port. */
  readonly host?: string | undefined;
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Port to check instead of the server's (HAProxy `check port`). */
  readonly port?: number | undefined;
  /** A PROXY header written before the request (see proxyPreamble). */
  readonly preamble?: Preamble | undefined;
}

export function parseStatusRanges(spec: string | number): StatusRanges {
  const ranges: [number, number][] = [];
  for (const part of String(spec).split(',')) {
    const m = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/.exec(part);
    const low = m ? Number(m[1]) : Number.NaN;
    const high = m?.[2] !== undefined ? Number(m[2]) : low;
    if (!(low >= 100 && high <= 599 && low <= high)) {
      throw new InvalidHealthCheckOptionError('http', 'status', `invalid status range "${String(spec)}"`);
    }
    ranges.push([low, high]);
  }
  return ranges;
}

function statusMatches(ranges: StatusRanges, status: number): boolean {
  for (const [low, high] of ranges) if (status >= low && status <= high) return true;
  return false;
}

/**
 * HTTP check through undici: one request on a fresh connection that is closed
 * afterwards (`reset`, and the one-shot Client is destroyed), so checks never
 * hold idle connections. Redirects are not followed.
 */
export class HttpProbe implements HealthProbe {
  readonly path: string;
  readonly method: 'GET' | 'HEAD';
  readonly status: StatusRanges;
  readonly body: string | RegExp | undefined;
  readonly host: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly port: number | undefined;
  readonly #connect: buildConnector.connector | undefined;

  constructor(options: HttpProbeOptions = {}) {
    this.path = options.path ?? '/';
    if (!this.path.startsWith('/'))
      throw new InvalidHealthCheckOptionError('http', 'path', 'must start with "/"');
    this.method = options.method ?? 'GET';
    if (this.method !== 'GET' && this.method !== 'HEAD') {
      throw new InvalidHealthCheckOptionError('http', 'method', 'expected GET or HEAD');
    }
    this.status = parseStatusRanges(options.status ?? '200-399');
    this.body = options.body;
    if (this.body !== undefined && this.method === 'HEAD') {
      throw new InvalidHealthCheckOptionError('http', 'body', 'a HEAD response has no body to match');
    }
    this.host = options.host;
    this.headers = options.headers ?? {};
    this.port = options.port;
    this.#connect = options.preamble === undefined ? undefined : withPreamble(options.preamble);
  }

  async check(target: HealthTarget, signal: AbortSignal): Promise<string> {
    if (signal.aborted) throw abortReason(signal);
    const origin = `http://${formatHostPort({ host: target.host, port: this.port ?? target.port })}`;
    // pipelining 0: no keep-alive; timeouts come from the signal alone.
    const client = new Client(origin, {
      pipelining: 0,
      headersTimeout: 0,
      bodyTimeout: 0,
      ...(this.#connect === undefined ? {} : { connect: this.#connect }),
    });
    try {
      const headers: Record<string, string> = { ...this.headers };
      if (this.host !== undefined) headers['host'] = this.host;
      const response = await client.request({
        path: this.path,
        method: this.method,
        headers,
        signal,
        reset: true,
      });
      const { statusCode } = response;
      // Destroying an unfinished undici body emits an abort error: nobody needs it.
      response.body.on('error', () => {});
      if (!statusMatches(this.status, statusCode)) {
        response.body.destroy();
        throw new HealthCheckFailedError(`HTTP ${statusCode}`);
      }
      if (this.body === undefined) {
        response.body.destroy();
        return `HTTP ${statusCode}`;
      }
      const text = await readAtMost(response.body, HTTP_CHECK_MAX_BODY);
      const matched = typeof this.body === 'string' ? text.includes(this.body) : this.body.test(text);
      if (!matched) throw new HealthCheckFailedError(`HTTP ${statusCode}: body does not match`);
      return `HTTP ${statusCode}, body matches`;
    } catch (error) {
      throw signal.aborted ? abortReason(signal) : asCheckFailure(error);
    } finally {
      client.destroy().catch(() => {});
    }
  }
}

/** undici's own connector, writing `preamble` before undici writes the request. */
function withPreamble(preamble: Preamble): buildConnector.connector {
  const base = buildConnector({});
  return (options, callback) =>
    base(options, (error, socket) => {
      if (socket !== null) socket.write(preambleBytes(preamble, socket));
      (callback as (e: Error | null, s: typeof socket) => void)(error, socket);
    });
}

/** Reads up to `limit` bytes of a body as UTF-8, then drops the rest. */
async function readAtMost(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  limit: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) break;
  }
  body.destroy();
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

function optionalBody(options: Record<string, unknown>): string | RegExp | undefined {
  const body = options['body'];
  const regex = options['bodyRegex'];
  if (body !== undefined && regex !== undefined) {
    throw new InvalidHealthCheckOptionError('http', 'bodyRegex', 'give either body or bodyRegex');
  }
  if (regex !== undefined) {
    if (typeof regex !== 'string')
      throw new InvalidHealthCheckOptionError('http', 'bodyRegex', 'expected a string');
    try {
      return new RegExp(regex);
    } catch {
      throw new InvalidHealthCheckOptionError('http', 'bodyRegex', 'invalid regular expression');
    }
  }
  if (body === undefined || typeof body === 'string' || body instanceof RegExp) return body;
  throw new InvalidHealthCheckOptionError('http', 'body', 'expected a string or a RegExp');
}

function optionalHeaders(options: Record<string, unknown>): Record<string, string> | undefined {
  const headers = options['headers'];
  if (headers === undefined) return undefined;
  if (
    typeof headers !== 'object' ||
    headers === null ||
    Object.values(headers).some((v) => typeof v !== 'string')
  ) {
    throw new InvalidHealthCheckOptionError('http', 'headers', 'expected an object of strings');
  }
  return headers as Record<string, string>;
}

/**
 * Options: path, method, status, body (substring or RegExp), bodyRegex (a
 * regex source, for config files), host, headers, port.
 */
registerHealthCheck('http', (options) => {
  rejectUnknownOptions('http', options, [
    'path',
    'method',
    'status',
    'body',
    'bodyRegex',
    'host',
    'headers',
    'port',
  ]);
  const method = optionalString('http', options, 'method')?.toUpperCase();
  const status = options['status'];
  if (status !== undefined && typeof status !== 'string' && typeof status !== 'number') {
    throw new InvalidHealthCheckOptionError('http', 'status', 'expected a string or a number');
  }
  return new HttpProbe({
    path: optionalString('http', options, 'path'),
    method: method as 'GET' | 'HEAD' | undefined,
    status,
    body: optionalBody(options),
    host: optionalString('http', options, 'host'),
    headers: optionalHeaders(options),
    port: optionalPort('http', options, 'port'),
    preamble: proxyPreamble('http', options),
  });
});
