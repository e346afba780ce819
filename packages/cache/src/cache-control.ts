/** Header values as Node's IncomingMessage and undici give them (lowercase names). */
export type HeaderValue = string | readonly string[] | undefined;
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Every value of a field joined as one list (`a, b`). */
export function joined(value: HeaderValue): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : value.join(', ');
}

/** The last value of a field (single-valued fields sent twice: the last wins). */
export function single(value: HeaderValue): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value[value.length - 1];
}

/**
 * Cache-Control directives (RFC 9111 §5.2): lowercase names, `true` for a
 * directive without argument, else its (unquoted) argument. Repeated
 * directives keep the first occurrence.
 */
export type Directives = ReadonlyMap<string, string | true>;

const EMPTY: Directives = new Map();

export function parseCacheControl(value: HeaderValue): Directives {
  const text = joined(value);
  if (text === '') return EMPTY;
  const directives = new Map<string, string | true>();
  // Split on commas outside quoted strings: no-cache="set-cookie, foo" is one directive.
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    if (i === text.length || (c === ',' && !quoted)) {
      addDirective(directives, text.slice(start, i));
      start = i + 1;
    }
  }
  return directives;
}

function addDirective(directives: Map<string, string | true>, part: string): void {
  const eq = part.indexOf('=');
  const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
  if (name === '' || directives.has(name)) return;
  if (eq < 0) {
    directives.set(name, true);
    return;
  }
  let arg = part.slice(eq + 1).trim();
  if (arg.startsWith('"') && arg.endsWith('"') && arg.length >= 2) arg = arg.slice(1, -1);
  directives.set(name, arg);
}

/**
 * A delta-seconds argument in ms (max-age=60 → 60 000), or undefined when
 * absent or invalid. An invalid value of max-age or s-maxage makes the
 * response stale (RFC 9111 §4.2.1), which callers get by reading `0`.
 */
export function seconds(directives: Directives, name: string): number | undefined {
  const arg = directives.get(name);
  if (arg === undefined) return undefined;
  if (arg === true || !/^\d+$/.test(arg)) return 0;
  // Values past 2^31 seconds are taken as "forever" (RFC 9111 §1.2.2).
  return Math.min(Number(arg), 2 ** 31) * 1000;
}

/** An HTTP-date in ms since the epoch, or undefined (invalid dates count as absent or in the past by the caller). */
export function httpDate(value: HeaderValue): number | undefined {
  const text = single(value);
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Request `Pragma: no-cache` without Cache-Control counts as `no-cache` (RFC 9111 §5.4). */
export function requestDirectives(headers: Readonly<Record<string, HeaderValue>>): Directives {
  const cc = parseCacheControl(headers['cache-control']);
  if (cc.size > 0 || !/(^|,)\s*no-cache\s*(,|$)/i.test(joined(headers.pragma))) return cc;
  return new Map([['no-cache', true]]);
}
