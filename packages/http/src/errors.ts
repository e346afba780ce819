import { Lvs7Error } from '@lvs7/core';

/**
 * Every way an exchange can fail, with the status the client gets. One table
 * so the mapping is defined once; stats count errors by these codes.
 */
export const HTTP_ERROR_STATUS = {
  // The request is malformed or could smuggle: never reaches a server.
  LVS7_HTTP_BAD_REQUEST_LINE: 400,
  LVS7_HTTP_URI_TOO_LONG: 414,
  LVS7_HTTP_INVALID_HEADER: 400,
  LVS7_HTTP_HEADERS_TOO_LARGE: 431,
  LVS7_HTTP_BAD_HOST: 400,
  LVS7_HTTP_BAD_CONTENT_LENGTH: 400,
  LVS7_HTTP_CONTENT_LENGTH_AND_TRANSFER_ENCODING: 400,
  LVS7_HTTP_BAD_TRANSFER_ENCODING: 400,
  LVS7_HTTP_UNSUPPORTED_TRANSFER_ENCODING: 501,
  LVS7_HTTP_BAD_CHUNK: 400,
  LVS7_HTTP_VERSION_NOT_SUPPORTED: 505,
  LVS7_HTTP_METHOD_NOT_ALLOWED: 405,
  LVS7_HTTP_REQUEST_TIMEOUT: 408,
  // Routing and scheduling.
  LVS7_HTTP_NO_ROUTE: 404,
  LVS7_HTTP_NO_SERVER: 503,
  LVS7_HTTP_QUEUE_FULL: 503,
  LVS7_HTTP_QUEUE_TIMEOUT: 503,
  // The server side failed.
  LVS7_HTTP_CONNECT_FAILED: 502,
  LVS7_HTTP_UPSTREAM_RESET: 502,
  LVS7_HTTP_UPSTREAM_TIMEOUT: 504,
  LVS7_HTTP_BAD_RESPONSE: 502,
  // The client went away (no response is possible; 499 as nginx logs it).
  LVS7_HTTP_CLIENT_ABORTED: 499,
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERROR_STATUS;

/** An exchange failure with a stable code and the HTTP status it maps to. */
export class HttpError extends Lvs7Error {
  declare readonly code: HttpErrorCode;
  readonly status: number;
  constructor(code: HttpErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.status = HTTP_ERROR_STATUS[code];
  }
}

/** The client sent something we refuse to forward (framing, syntax, limits). */
export class MalformedRequestError extends HttpError {}

/** No route, no eligible server, queue full or timed out. */
export class NoServerError extends HttpError {}

/** The server failed: connect, reset, timeout or an unparseable response. */
export class UpstreamError extends HttpError {
  /** Outlier-detection kind: 'connect-failure' | 'reset' | 'timeout' | 'invalid-response'. */
  readonly kind: string;
  constructor(code: HttpErrorCode, kind: string, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.kind = kind;
  }
}

/** Options that cannot be compiled (bad regex, unknown pool, bad key spec, ...). */
export class InvalidHttpOptionError extends Lvs7Error {
  constructor(message: string) {
    super('LVS7_ERR_INVALID_HTTP_OPTION', message);
  }
}

/** `update()` cannot move a bound listener to another address, or switch TLS or acceptProxy. */
export class ListenerRebindError extends Lvs7Error {
  constructor(name: string) {
    super(
      'LVS7_ERR_LISTENER_REBIND',
      `listener "${name}": listen address, TLS on/off and acceptProxy cannot change on update`,
    );
  }
}
