import { type Directives, type HeaderMap, httpDate, seconds, single } from './cache-control.js';
import type { ObjectMeta } from './stored-object.js';

/**
 * Freshness lifetime for a shared cache (RFC 9111 §4.2.1), in ms: s-maxage,
 * else max-age, else Expires minus Date. No heuristic freshness: a
 * response without explicit freshness has lifetime 0 (it is stored only if
 * it can be revalidated).
 */
export function freshnessLifetime(cc: Directives, headers: HeaderMap): number {
  const sMaxAge = seconds(cc, 's-maxage');
  if (sMaxAge !== undefined) return sMaxAge;
  const maxAge = seconds(cc, 'max-age');
  if (maxAge !== undefined) return maxAge;
  if (headers.expires === undefined) return 0;
  const expires = httpDate(headers.expires);
  // An invalid Expires (e.g. "0") means already expired.
  if (expires === undefined) return 0;
  const date = httpDate(headers.date);
  if (date === undefined) return 0;
  return Math.max(0, expires - date);
}

/**
 * corrected_initial_age (RFC 9111 §4.2.3), in ms: the larger of the age the
 * Date header implies and the Age header plus the response delay.
 */
export function initialAge(headers: HeaderMap, requestTime: number, responseTime: number): number {
  const date = httpDate(headers.date);
  const apparentAge = date === undefined ? 0 : Math.max(0, responseTime - date);
  const ageText = single(headers.age);
  const ageValue = ageText !== undefined && /^\d+$/.test(ageText.trim()) ? Number(ageText) * 1000 : 0;
  const correctedAgeValue = ageValue + Math.max(0, responseTime - requestTime);
  return Math.max(apparentAge, correctedAgeValue);
}

/** current_age (RFC 9111 §4.2.3), in ms. */
export function currentAge(meta: ObjectMeta, now: number): number {
  return meta.initialAge + Math.max(0, now - meta.responseTime);
}

/** The Age header value for a response served from the store (whole seconds). */
export function ageSeconds(meta: ObjectMeta, now: number): string {
  return String(Math.floor(currentAge(meta, now) / 1000));
}

/** Fresh for any request: lifetime not used up and no `no-cache` (what ICP's `has` answers). */
export function isFresh(meta: ObjectMeta, now: number): boolean {
  return !meta.noCache && meta.lifetime > currentAge(meta, now);
}

/**
 * Whether the stored response may answer this request without validation,
 * honouring the request's max-age, min-fresh, max-stale and no-cache
 * (RFC 9111 §5.2.1). Stale responses are served only under max-stale and
 * never when the response says must-revalidate / proxy-revalidate / s-maxage.
 */
export function usableWithoutValidation(meta: ObjectMeta, now: number, request: Directives): boolean {
  if (meta.noCache || request.has('no-cache')) return false;
  const age = currentAge(meta, now);
  const maxAge = seconds(request, 'max-age');
  if (maxAge !== undefined && age > maxAge) return false;
  const left = meta.lifetime - age;
  const minFresh = seconds(request, 'min-fresh');
  if (minFresh !== undefined && left < minFresh) return false;
  if (left > 0) return true;
  const maxStale = request.get('max-stale');
  if (maxStale === undefined || meta.mustRevalidate) return false;
  if (maxStale === true) return true;
  const allowed = seconds(request, 'max-stale') ?? 0;
  return -left <= allowed;
}
