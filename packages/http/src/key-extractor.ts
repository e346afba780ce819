import { InvalidHttpOptionError } from './errors.js';
import type { RequestHead } from './http1/request-head.js';
import { cookie, fieldValue, queryParam } from './request-values.js';

/** The value a hashing scheduler spreads on (PickContext.key); undefined → the scheduler uses the client address. */
export type KeyExtractor = (req: RequestHead, clientAddress: string) => string | undefined;

const url: KeyExtractor = (req) => req.target;
const host: KeyExtractor = (req) => req.hostname;
const path: KeyExtractor = (req) => req.path;
const source: KeyExtractor = (_req, clientAddress) => clientAddress;

/** Compiles `url | host | path | source | header:NAME | cookie:NAME | query:NAME`. */
export function compileKey(spec: string | undefined, what: string): KeyExtractor | null {
  if (spec === undefined) return null;
  switch (spec) {
    case 'url':
      return url;
    case 'host':
      return host;
    case 'path':
      return path;
    case 'source':
      return source;
  }
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const name = spec.slice(colon + 1);
  if (colon > 0 && name.length > 0) {
    if (kind === 'header') {
      const lower = name.toLowerCase();
      return (req) => fieldValue(req, lower);
    }
    if (kind === 'cookie') return (req) => cookie(req, name);
    if (kind === 'query') return (req) => queryParam(req, name);
  }
  throw new InvalidHttpOptionError(
    `${what}.key: expected url, host, path, source, header:NAME, cookie:NAME or query:NAME, got "${spec}"`,
  );
}
