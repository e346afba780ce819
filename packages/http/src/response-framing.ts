import { BODY_CHUNKED, BODY_LENGTH, BODY_NONE, type RequestHead } from './http1/request-head.js';
import type { ResponseHead } from './http1/response-head.js';

/**
 * Whether the client connection survives this response: the client wants
 * it, its request body was fully read, we are not draining, and the body
 * length is known to the client (no close-delimited body, and no chunked
 * body for an HTTP/1.0 client — that one is decoded and ends at close).
 */
export function responseKeepAlive(
  res: ResponseHead,
  req: RequestHead,
  requestDone: boolean,
  closing: boolean,
): boolean {
  if (!req.keepAlive || !requestDone || closing) return false;
  const framing = res.framing;
  return framing === BODY_NONE || framing === BODY_LENGTH || (framing === BODY_CHUNKED && req.minor === 1);
}

/** The framing and connection lines that end a response head, and its final CRLF. */
export function responseTail(res: ResponseHead, req: RequestHead, keepAlive: boolean): string {
  let tail = '';
  switch (res.framing) {
    case BODY_NONE:
      // HEAD and 304 keep the length the full response would have had.
      if (res.has('content-length')) tail = 'Content-Length: ' + res.contentLength + '\r\n';
      break;
    case BODY_LENGTH:
      tail = 'Content-Length: ' + res.contentLength + '\r\n';
      break;
    case BODY_CHUNKED:
      if (req.minor === 1) tail = 'Transfer-Encoding: chunked\r\n';
      break;
  }
  if (!keepAlive) return tail + 'Connection: close\r\n\r\n';
  return req.minor === 0 ? tail + 'Connection: keep-alive\r\n\r\n' : tail + '\r\n';
}
