import type { RequestHead } from './http1/request-head.js';

/**
 * Derived request values that routing and key extraction may need: parsed
 * lazily and at most once per request, so routes that never look at the
 * query or cookies cost nothing.
 */

function decode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** First value of each query parameter, percent-decoded ('+' is a space). */
export function queryParam(req: RequestHead, name: string): string | undefined {
  let map = req.params;
  if (map === null) {
    map = new Map();
    const q = req.query;
    let start = 0;
    while (start < q.length) {
      let amp = q.indexOf('&', start);
      if (amp < 0) amp = q.length;
      const eq = q.indexOf('=', start);
      const hasValue = eq >= 0 && eq < amp;
      const key = decode(q.slice(start, hasValue ? eq : amp));
      if (key !== '' && !map.has(key)) map.set(key, hasValue ? decode(q.slice(eq + 1, amp)) : '');
      start = amp + 1;
    }
    req.params = map;
  }
  return map.get(name);
}

/** A cookie's value from every Cookie field (RFC 6265 §5.4 pairs split on ';'). */
export function cookie(req: RequestHead, name: string): string | undefined {
  let jar = req.cookies;
  if (jar === null) {
    jar = new Map();
    const { lower, values } = req;
    for (let i = 0; i < lower.length; i++) {
      if (lower[i] !== 'cookie') continue;
      for (const pair of values[i]!.split(';')) {
        const eq = pair.indexOf('=');
        if (eq < 0) continue;
        const key = pair.slice(0, eq).trim();
        let value = pair.slice(eq + 1).trim();
        if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
        if (!jar.has(key)) jar.set(key, value);
      }
    }
    req.cookies = jar;
  }
  return jar.get(name);
}

/** Every value of a field, joined as a list (RFC 9110 §5.3), or undefined. */
export function fieldValue(req: RequestHead, lowerName: string): string | undefined {
  const { lower, values } = req;
  let out: string | undefined;
  for (let i = 0; i < lower.length; i++) {
    if (lower[i] === lowerName) out = out === undefined ? values[i] : out + ', ' + values[i];
  }
  return out;
}
