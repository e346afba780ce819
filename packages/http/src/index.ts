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
export { PROXIED_ADDRESS, ProxyHeaderError, parseProxyHeader } from './proxy-protocol.js';
export { RouteMatcher } from './route-matcher.js';
export { CompiledRoute, Router } from './router.js';
export type { PoolOptionsInput } from './runtime.js';
export * from './stats.js';
export { StickyCookie, serverForStickyId, stickyId, stickyUsable } from './sticky.js';
