export { formatDuration, parseDuration, parsePercent, parseSize } from './durations.js';
export { ConfigError, type ConfigIssue, formatIssue } from './errors.js';
export { deepFreeze } from './freeze.js';
export { configJsonSchema } from './json-schema.js';
export {
  type CheckResult,
  checkConfig,
  configFromObject,
  loadConfigFile,
  type ParseOptions,
  parseConfig,
} from './load.js';
export { REDACTED, redactConfig } from './redact.js';
export { configReference } from './reference.js';
export { DEFAULT_ADMIN_LISTEN, LOG_LEVELS } from './schema/config.js';
export { ACCESS_LOG_MODES, FORWARDED_MODES, LISTENER_PROTOCOLS } from './schema/listener.js';
export { DEFAULT_SCHEDULER, HASHING_ONLY_OPTIONS, SERVER_STATES, UPSTREAM_PROTOCOLS } from './schema/pool.js';
export { RETRY_CONDITIONS, ROUTE_KEY_PATTERN } from './schema/route.js';
export type * from './types.js';
