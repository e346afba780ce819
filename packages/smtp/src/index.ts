// Importing this package registers the `smtp` and `lmtp` health checks.
import './health/smtp-probe.js';

// The PROXY protocol lives in @lvs7/core (shared by every listener); re-exported for existing callers.
export {
  type Endpoint,
  encodeProxyHeader,
  type ProxyHeader,
  ProxyHeaderError,
  parseProxyHeader,
} from '@lvs7/core';
export { isValidAddress, type PathArgument, parsePathArgument } from './address.js';
export {
  BackendConnection,
  type BackendConnectOptions,
  type BackendProtocol,
  type BackendTarget,
} from './backend/backend-connection.js';
export type { ClientInfo, ClientInfoMode } from './backend/client-info.js';
export { ConnectionCache, type ConnectionCacheOptions } from './backend/connection-cache.js';
export { ReplyParser, ReplySyntaxError } from './backend/reply-parser.js';
export { finalVerdict } from './backend/verdict.js';
export * from './errors.js';
export { SmtpProbe, type SmtpProbeOptions } from './health/smtp-probe.js';
export { type SmtpCloseOptions, SmtpListener } from './listener.js';
export * from './options.js';
export { formatReply, reply, type SmtpReply } from './reply.js';
export { resolveSmtpListenerOptions } from './resolve-options.js';
export {
  acceptsPinned,
  type PlaceOptions,
  RecipientPlacement,
  type RecipientServer,
} from './routing/placement.js';
export { type BackendRoute, type RecipientRoute, RecipientRouter } from './routing/recipient-router.js';
export type { AccessLogMode, SmtpMessageRecord, SmtpSessionRecord } from './server/access-log.js';
export * from './stats.js';
