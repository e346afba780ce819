// Importing this package registers the `imap` and `pop3` health checks.
import './health/mail-probe.js';

export * from './admin.js';
export type { BackendDriver, BackendLoginResult, ClientInfo } from './backend/backend-driver.js';
export * from './errors.js';
export { MailProbe, type MailProbeOptions } from './health/mail-probe.js';
export {
  type ImapCommand,
  ImapParseError,
  type ImapSegment,
  type ImapValue,
  literalMarker,
  parseImapCommand,
} from './imap/imap-parser.js';
export { AuthPenalty, type AuthPenaltyOptions } from './limits/auth-penalty.js';
export { ConnectionLimiter } from './limits/connection-limiter.js';
export { MailListener, type MailSessionView } from './mail-listener.js';
export * from './options.js';
export { type Pop3Command, parsePop3Command } from './pop3/pop3-parser.js';
export { LINE_TOO_LONG, LineFramer } from './protocol/line-framer.js';
export { type Credentials, decodeSaslPlain, encodeSaslPlain } from './protocol/sasl-plain.js';
export * from './router/mail-router.js';
export * from './router/user-sessions.js';
export type { AccessLogMode, MailSessionRecord } from './session/access-log.js';
export { SessionState } from './session/mail-session.js';
export { SPLICE_BUFFER } from './session/splice.js';
