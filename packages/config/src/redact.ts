import { deepFreeze } from './freeze.js';
import type { Config } from './types.js';

/** Keys whose values are secrets, wherever they appear. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['token', 'password', 'bindPassword']);

export const REDACTED = '***';

function redact(value: unknown, key: string | undefined): unknown {
  if (key !== undefined && SECRET_KEYS.has(key) && value !== undefined) return REDACTED;
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(value)) {
    // A password in a URL (redis://user:secret@host): keep the user, hide the password.
    return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):[^/@\s]*@/i, `$1:${REDACTED}@`);
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, undefined));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}

/**
 * A (frozen) copy of `config` that is safe to log: `admin.token`, health-check
 * `password`, directory `bindPassword` (any `token`, `password` or
 * `bindPassword` key) and passwords in URLs are replaced by "***".
 */
export function redactConfig(config: Config): Config {
  return deepFreeze(redact(config, undefined) as Config);
}
