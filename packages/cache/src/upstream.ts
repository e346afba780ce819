import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { UpstreamError, UpstreamTimeoutError } from './errors.js';
import type { ResolvedCacheOptions } from './options.js';

/** Where one upstream request goes. */
export interface UpstreamTarget {
  /** For logs and errors: the server, peer or host name. */
  readonly label: string;
  /** The connection's origin, `http://host:port`. */
  readonly origin: string;
  /** Origin-form path for an origin server; the absolute URL for a proxy (a peer). */
  readonly path: string;
}

export interface UpstreamRequest {
  readonly method: string;
  readonly headers: Record<string, string | string[]>;
  readonly body?: Readable | undefined;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: Dispatcher.ResponseData['body'];
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * HTTP/1.1 requests to origins and peers through one undici Agent (a
 * keep-alive connection pool per upstream). Peers get absolute-form
 * targets, as proxies expect; undici errors become UpstreamError (502) or
 * UpstreamTimeoutError (504).
 */
export class Upstream {
  readonly #agent: Agent;

  constructor(timeouts: ResolvedCacheOptions['timeouts']) {
    this.#agent = new Agent({
      connect: { timeout: timeouts.connect },
      headersTimeout: timeouts.response,
      bodyTimeout: timeouts.idle,
      // Below Node's 5 s server keep-alive, so we close idle connections first.
      keepAliveTimeout: 4_000,
      connections: 256,
    });
  }

  async request(target: UpstreamTarget, request: UpstreamRequest): Promise<UpstreamResponse> {
    try {
      const response = await this.#agent.request({
        origin: target.origin,
        path: target.path,
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers,
        body: request.body ?? null,
      });
      return {
        status: response.statusCode,
        statusText: STATUS_CODES[response.statusCode] ?? '',
        headers: response.headers as Record<string, string | string[]>,
        body: response.body,
      };
    } catch (error) {
      throw upstreamError(target.label, error);
    }
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

/** An undici failure as the cache's typed error. */
export function upstreamError(label: string, error: unknown): UpstreamError | UpstreamTimeoutError {
  if (error instanceof UpstreamError || error instanceof UpstreamTimeoutError) return error;
  const code = (error as { code?: string }).code;
  return code !== undefined && TIMEOUT_CODES.has(code)
    ? new UpstreamTimeoutError(label, error)
    : new UpstreamError(label, error);
}
