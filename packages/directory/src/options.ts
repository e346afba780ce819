import { FilterParser } from 'ldapts';
import { InvalidDirectoryOptionError } from './errors.js';
import { expandFilter } from './filter.js';

/** Caching of lookup answers (LDAP). Durations in milliseconds; 0 turns that cache off. */
export interface CacheOptions {
  /** How long a found entry is served from memory. Default 60 000. */
  readonly cacheTtl?: number | undefined;
  /** How long "no such user" is served from memory. Default 10 000. Unavailability is never cached. */
  readonly negativeCacheTtl?: number | undefined;
  /** Most users held (least recently used go first). Default 10 000. */
  readonly cacheSize?: number | undefined;
}

export interface LdapDirectoryOptions extends CacheOptions {
  /** `ldap://` or `ldaps://` URLs, tried in order: the next one when a server fails or times out. */
  readonly urls: readonly string[];
  /** The service account lookups bind as; none = anonymous. */
  readonly bindDN?: string | undefined;
  readonly bindPassword?: string | undefined;
  /** Where users are searched (subtree). */
  readonly baseDN: string;
  /**
   * RFC 4515 filter; `{user}`, `{local}` and `{domain}` are replaced by the
   * escaped user, its local part and its domain. Default
   * `(|(mail={user})(uid={user})(mailLocalAddress={user}))`.
   */
  readonly filter?: string | undefined;
  /** The attribute naming the mailbox's host. Default `mailHost`. */
  readonly hostAttribute?: string | undefined;
  /** Attributes to fetch; default all user attributes. */
  readonly attributes?: readonly string[] | undefined;
  /** Connect and operation timeout in ms. Default 5 000. */
  readonly timeout?: number | undefined;
  /** A URL that failed is tried after the others for this long (ms). Default 30 000. */
  readonly retryInterval?: number | undefined;
}

export interface FileDirectoryOptions {
  /** An LDIF file (RFC 2849); relative paths resolve against the working directory. */
  readonly path: string;
  /** Default `mailHost`. */
  readonly hostAttribute?: string | undefined;
  /** Attributes a user is found by (the file's filter). Default `mail`, `uid`, `mailLocalAddress`. */
  readonly lookupAttributes?: readonly string[] | undefined;
}

/**
 * One entry of the `directories:` config: exactly one of `ldap` and `file`
 * (a path or full options), checked by createDirectory().
 */
export interface DirectoryOptions {
  readonly ldap?: LdapDirectoryOptions | undefined;
  readonly file?: string | FileDirectoryOptions | undefined;
}

export const DIRECTORY_DEFAULTS = Object.freeze({
  filter: '(|(mail={user})(uid={user})(mailLocalAddress={user}))',
  hostAttribute: 'mailHost',
  lookupAttributes: Object.freeze(['mail', 'uid', 'mailLocalAddress']),
  cacheTtl: 60_000,
  negativeCacheTtl: 10_000,
  cacheSize: 10_000,
  timeout: 5_000,
  retryInterval: 30_000,
});

/** LDAP options after checks, defaults filled in. */
export interface ResolvedLdapOptions {
  readonly urls: readonly string[];
  readonly bindDN?: string | undefined;
  readonly bindPassword?: string | undefined;
  readonly baseDN: string;
  readonly filter: string;
  readonly hostAttribute: string;
  readonly attributes?: readonly string[] | undefined;
  readonly timeout: number;
  readonly retryInterval: number;
  readonly cacheTtl: number;
  readonly negativeCacheTtl: number;
  readonly cacheSize: number;
}

const LDAP_KEYS = new Set([
  'urls',
  'bindDN',
  'bindPassword',
  'baseDN',
  'filter',
  'hostAttribute',
  'attributes',
  'timeout',
  'retryInterval',
  'cacheTtl',
  'negativeCacheTtl',
  'cacheSize',
]);

/** Checks LDAP options once, reporting every problem together, and fills in defaults. */
export function resolveLdapOptions(name: string, options: LdapDirectoryOptions): ResolvedLdapOptions {
  const problems: [string, string][] = [];
  const check = (ok: boolean, option: string, detail: string) => {
    if (!ok) problems.push([option, detail]);
  };
  for (const key of Object.keys(options)) check(LDAP_KEYS.has(key), key, 'unknown option');
  const urls: unknown = options.urls;
  check(
    Array.isArray(urls) &&
      urls.length > 0 &&
      urls.every((u) => typeof u === 'string' && /^ldaps?:\/\/[^/\s]+\/?$/.test(u)),
    'urls',
    'expected one or more ldap:// or ldaps:// URLs (host and port only)',
  );
  check(isText(options.baseDN), 'baseDN', 'expected a DN');
  check(options.bindDN === undefined || isText(options.bindDN), 'bindDN', 'expected a DN');
  const pw: unknown = options.bindPassword;
  check(
    pw === undefined || (typeof pw === 'string' && pw.length > 0),
    'bindPassword',
    'expected a non-empty string',
  );
  check(
    (options.bindPassword === undefined) === (options.bindDN === undefined),
    'bindDN',
    'bindDN and bindPassword go together',
  );
  const filter = options.filter ?? DIRECTORY_DEFAULTS.filter;
  check(
    isText(filter) && isFilterTemplate(filter),
    'filter',
    'expected an RFC 4515 filter with {user}, {local} or {domain}',
  );
  check(isText(options.hostAttribute ?? 'x'), 'hostAttribute', 'expected an attribute name');
  check(
    options.attributes === undefined || isTextList(options.attributes),
    'attributes',
    'expected attribute names',
  );
  for (const key of ['cacheTtl', 'negativeCacheTtl', 'cacheSize'] as const) {
    check(options[key] === undefined || isCount(options[key]), key, 'expected an integer ≥ 0');
  }
  for (const key of ['timeout', 'retryInterval'] as const) {
    check(
      options[key] === undefined || (isCount(options[key]) && options[key] > 0),
      key,
      'expected a duration > 0 ms',
    );
  }
  if (problems.length > 0) throw new InvalidDirectoryOptionError(name, problems);
  return {
    ...DIRECTORY_DEFAULTS,
    ...withoutUndefined(options),
    filter,
    urls: [...options.urls],
  } as ResolvedLdapOptions;
}

export interface ResolvedFileOptions {
  readonly path: string;
  readonly hostAttribute: string;
  readonly lookupAttributes: readonly string[];
}

export function resolveFileOptions(
  name: string,
  options: string | FileDirectoryOptions,
): ResolvedFileOptions {
  const opts = typeof options === 'string' ? { path: options } : options;
  const problems: [string, string][] = [];
  for (const key of Object.keys(opts)) {
    if (!['path', 'hostAttribute', 'lookupAttributes'].includes(key)) problems.push([key, 'unknown option']);
  }
  if (!isText(opts.path)) problems.push(['path', 'expected a file name']);
  if (!isText(opts.hostAttribute ?? 'x')) problems.push(['hostAttribute', 'expected an attribute name']);
  const lookup = opts.lookupAttributes ?? DIRECTORY_DEFAULTS.lookupAttributes;
  if (!isTextList(lookup) || lookup.length === 0)
    problems.push(['lookupAttributes', 'expected attribute names']);
  if (problems.length > 0) throw new InvalidDirectoryOptionError(name, problems);
  return {
    path: opts.path,
    hostAttribute: opts.hostAttribute ?? DIRECTORY_DEFAULTS.hostAttribute,
    lookupAttributes: lookup,
  };
}

function isFilterTemplate(filter: string): boolean {
  if (!/\{(user|local|domain)\}/.test(filter)) return false;
  const expanded = expandFilter(filter, 'probe*()\\@example.org');
  // ldapts's parser forgives a missing ")": count them, as the escaped values hold none.
  let depth = 0;
  for (const c of expanded) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (depth < 0) return false;
  }
  if (depth !== 0 || !expanded.startsWith('(')) return false;
  try {
    FilterParser.parseString(expanded);
    return true;
  } catch {
    return false;
  }
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function isTextList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(isText);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
