export * from './errors.js';
export { type ClientInfo, compileTrustedProxies, forwardedLines, normalizeAddress } from './forwarded.js';
export {
  buildRequestHead,
  buildResponseHead,
  compileHeaderRewrite,
  type HeaderRewrite,
  isHopByHop,
} from './headers.js';
export { type CloseOptions, HttpListener, type HttpListenerInit } from './http-listener.js';
export { ChunkedFramingError, ChunkedParser } from './http1/chunked.js';
export { type HeadLimits, parseRequestHead, RequestHead } from './http1/request-head.js';
export { parseResponseHead, ResponseHead } from './http1/response-head.js';
export { compileKey, type KeyExtractor } from './key-extractor.js';
export * from './options.js';
export {
  HttpOverflow,
  type HttpOverflowHook,
  OVERFLOW_HEADER,
  type OverflowEvent,
  type OverflowPeer,
} from './overflow.js';
export { type ConnectionEnds, connectionEnds, PROXIED_ADDRESS } from './proxy-protocol.js';
export {
  compileRequestId,
  generateRequestId,
  REQUEST_ID_MAX,
  type RequestIdRuntime,
  validRequestId,
} from './request-id.js';
export { RouteMatcher } from './route-matcher.js';
export { CompiledRoute, Router } from './router.js';
export type { PoolOptionsInput } from './runtime.js';
export * from './stats.js';
export { StickyCookie, serverForStickyId, stickyId, stickyUsable } from './sticky.js';
