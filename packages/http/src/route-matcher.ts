import { InvalidHttpOptionError } from './errors.js';
import type { RequestHead } from './http1/request-head.js';
import type { RouteOptions, ValueMatch } from './options.js';
import { fieldValue, queryParam } from './request-values.js';

type Test = (req: RequestHead) => boolean;

/**
 * A route's match conditions compiled once (regexes built, hosts split into
 * exact names and wildcard suffixes, names lower-cased) into an array of
 * tests run cheapest first. An empty route matches everything.
 */
export class RouteMatcher {
  readonly #tests: Test[];

  constructor(route: RouteOptions, what: string) {
    const tests: Test[] = [];
    if (route.methods !== undefined && route.methods.length > 0) {
      const methods = new Set(route.methods.map((m) => m.toUpperCase()));
      tests.push((req) => methods.has(req.method));
    }
    if (route.host !== undefined) tests.push(hostTest(route.host, what));
    if (route.pathPrefix !== undefined && route.pathPrefix !== '' && route.pathPrefix !== '/') {
      const prefix = route.pathPrefix;
      tests.push((req) => req.path.startsWith(prefix));
    }
    if (route.path !== undefined) {
      const re = compileRegex(route.path, `${what}.path`);
      tests.push((req) => re.test(req.path));
    }
    for (const [name, match] of Object.entries(route.headers ?? {})) {
      const lower = name.toLowerCase();
      const test = valueTest(match, `${what}.headers.${name}`);
      tests.push((req) => test(fieldValue(req, lower)));
    }
    for (const [name, match] of Object.entries(route.query ?? {})) {
      const test = valueTest(match, `${what}.query.${name}`);
      tests.push((req) => test(queryParam(req, name)));
    }
    this.#tests = tests;
  }

  matches(req: RequestHead): boolean {
    const tests = this.#tests;
    for (let i = 0; i < tests.length; i++) if (!tests[i]!(req)) return false;
    return true;
  }
}

function compileRegex(source: string, what: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw new InvalidHttpOptionError(`${what}: invalid regular expression: ${(error as Error).message}`);
  }
}

/** Exact names in a Set; `*.example.org` matches any name ending in `.example.org`. */
export function hostTest(host: string | readonly string[], what: string): Test {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const h of typeof host === 'string' ? [host] : host) {
    const name = h.trim().toLowerCase();
    if (name === '*') return () => true;
    if (name.startsWith('*.')) suffixes.push(name.slice(1));
    else if (name.length > 0 && !name.includes('*')) exact.add(name);
    else throw new InvalidHttpOptionError(`${what}.host: invalid host pattern "${h}"`);
  }
  if (suffixes.length === 0) return (req) => exact.has(req.hostname);
  return (req) => {
    const name = req.hostname;
    if (exact.has(name)) return true;
    for (const suffix of suffixes) if (name.length > suffix.length && name.endsWith(suffix)) return true;
    return false;
  };
}

/** A header or query condition: exact string, { regex }, or { present }. */
export function valueTest(match: ValueMatch, what: string): (value: string | undefined) => boolean {
  if (typeof match === 'string') return (v) => v === match;
  if ('regex' in match) {
    const re = compileRegex(match.regex, what);
    return (v) => v !== undefined && re.test(v);
  }
  if ('present' in match) {
    const want = match.present;
    return (v) => (v !== undefined) === want;
  }
  throw new InvalidHttpOptionError(`${what}: expected a string, { regex } or { present }`);
}
