import type { Server } from '@lvs7/core';
import { InvalidHttpOptionError } from './errors.js';
import { type ClientInfo, forwardedLines } from './forwarded.js';
import { FIELD_VALUE, TOKEN } from './http1/chars.js';
import { BODY_CHUNKED, BODY_LENGTH, BODY_NONE, type RequestHead } from './http1/request-head.js';
import type { ResponseHead } from './http1/response-head.js';
import type { HeaderRewriteOptions } from './options.js';
import type { CompiledRoute } from './router.js';
import type { ListenerRuntime } from './runtime.js';

/**
 * Hop-by-hop fields (RFC 9110 §7.6.1) plus the framing fields we always
 * regenerate ourselves: none of these is copied from one side to the other.
 * `proxy` (no dash) is dropped too: it is the httpoxy vector.
 */
export function isHopByHop(lower: string): boolean {
  switch (lower) {
    case 'connection':
    case 'keep-alive':
    case 'te':
    case 'trailer':
    case 'transfer-encoding':
    case 'upgrade':
    case 'content-length':
    case 'proxy':
      return true;
    default:
      return lower.startsWith('proxy-');
  }
}

/** Fields a client may not make us drop by naming them in Connection. */
function isProtected(lower: string): boolean {
  return lower === 'host' || lower.startsWith('x-forwarded-') || lower === 'forwarded' || lower === 'via';
}

/** Whether field `lower` is removed because the sender listed it in Connection. */
export function namedInConnection(tokens: readonly string[] | null, lower: string): boolean {
  return tokens?.includes(lower) === true && !isProtected(lower);
}

/** A route's `set`/`remove` compiled: removals (set names included, so set replaces) and ready lines. */
export interface HeaderRewrite {
  readonly remove: ReadonlySet<string>;
  readonly lines: string;
}

export function compileHeaderRewrite(
  options: HeaderRewriteOptions | undefined,
  what: string,
): HeaderRewrite | null {
  if (options === undefined) return null;
  const remove = new Set<string>();
  let lines = '';
  for (const name of options.remove ?? []) remove.add(checkName(name, what).toLowerCase());
  for (const [name, value] of Object.entries(options.set ?? {})) {
    checkName(name, what);
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c > 0xff || FIELD_VALUE[c] !== 1)
        throw new InvalidHttpOptionError(`${what}: invalid value for header ${name}`);
    }
    const lower = name.toLowerCase();
    if (isHopByHop(lower) || lower === 'host') {
      throw new InvalidHttpOptionError(`${what}: header ${name} cannot be set (hop-by-hop or framing)`);
    }
    remove.add(lower);
    lines += `${name}: ${value.trim()}\r\n`;
  }
  return remove.size === 0 && lines === '' ? null : { remove, lines };
}

function checkName(name: string, what: string): string {
  let ok = name.length > 0;
  for (let i = 0; ok && i < name.length; i++) ok = TOKEN[name.charCodeAt(i)] === 1;
  if (!ok) throw new InvalidHttpOptionError(`${what}: invalid header name "${name}"`);
  return name;
}

/** What differs per request when writing a request head to a server. */
export interface RequestHeadParts {
  readonly target: string;
  readonly host: string;
  readonly rewrite: HeaderRewrite | null;
  /** Drop the X-Forwarded-* (1) or Forwarded (2) fields received: we write our own. */
  readonly dropForwarded: 0 | 1 | 2;
  /** Ready lines: forwarded fields, Via, request id. */
  readonly extra: string;
  /** A received field (lower-case name) replaced by one in `extra`, or null. */
  readonly drop?: string | null | undefined;
  readonly upgrade: boolean;
}

/**
 * The request head as the server gets it: HTTP/1.1, Host first, received
 * fields in order minus hop-by-hop ones, then ours; framing regenerated
 * from what we parsed so the server cannot disagree with us about it.
 */
export function buildRequestHead(req: RequestHead, p: RequestHeadParts): string {
  let h = req.method + ' ' + p.target + ' HTTP/1.1\r\nHost: ' + p.host + '\r\n';
  const { names, lower, values } = req;
  const tokens = req.connTokens;
  const rewrite = p.rewrite;
  const dropForwarded = p.dropForwarded;
  const drop = p.drop ?? null;
  for (let i = 0; i < names.length; i++) {
    const l = lower[i]!;
    if (l === 'host' || isHopByHop(l)) continue;
    if (dropForwarded !== 0 && isForwardedField(l, dropForwarded)) continue;
    if (drop !== null && l === drop) continue;
    if (tokens !== null && namedInConnection(tokens, l)) continue;
    if (rewrite?.remove.has(l)) continue;
    if (req.minor === 0 && l === 'expect') continue;
    h += names[i] + ': ' + values[i] + '\r\n';
  }
  if (rewrite !== null) h += rewrite.lines;
  h += p.extra;
  if (req.teTrailers) h += 'TE: trailers\r\n';
  if (req.framing === BODY_LENGTH) h += 'Content-Length: ' + req.contentLength + '\r\n';
  else if (req.framing === BODY_CHUNKED) h += 'Transfer-Encoding: chunked\r\n';
  if (p.upgrade) h += 'Connection: upgrade\r\nUpgrade: ' + req.upgrade + '\r\n';
  return h + '\r\n';
}

/**
 * Whether a request's Upgrade is passed to the server (then spliced on
 * 101): HTTP/1.1, no body, and never h2c (a known way around proxies).
 */
export function passUpgrade(req: RequestHead): boolean {
  return (
    req.connUpgrade &&
    req.upgrade !== '' &&
    req.minor === 1 &&
    req.framing === BODY_NONE &&
    !/h2c/i.test(req.upgrade)
  );
}

/**
 * The head of `req` as sent to `server` over `route`: rewrites, forwarded
 * fields, Via, and `idLine` (our request id, '' when the received one is
 * kept) replacing any received field named `dropId`.
 */
export function upstreamRequestHead(
  rt: ListenerRuntime,
  route: CompiledRoute,
  req: RequestHead,
  client: ClientInfo,
  server: Server,
  idLine = '',
  dropId: string | null = null,
): string {
  return buildRequestHead(req, {
    target: route.target(req),
    host: route.hostRewrite ?? (req.authority !== '' ? req.authority : server.address),
    rewrite: route.requestHeaders,
    dropForwarded: rt.dropForwarded,
    extra: forwardedLines(rt.forwarded, req, client) + rt.via[req.minor]! + idLine,
    drop: dropId,
    upgrade: passUpgrade(req),
  });
}

function isForwardedField(lower: string, mode: 1 | 2): boolean {
  return mode === 1
    ? lower === 'x-forwarded-for' || lower === 'x-forwarded-proto' || lower === 'x-forwarded-host'
    : lower === 'forwarded';
}

/**
 * The response head as the client gets it. `tail` holds the lines we add
 * (Set-Cookie, Via, framing, Connection) and the final empty line.
 */
export function buildResponseHead(
  res: ResponseHead,
  rewrite: HeaderRewrite | null,
  tail: string,
  drop: string | null = null,
): string {
  let h = 'HTTP/1.1 ' + res.status + (res.reason === '' ? ' \r\n' : ' ' + res.reason + '\r\n');
  const { names, lower, values } = res;
  const tokens = res.connTokens;
  for (let i = 0; i < names.length; i++) {
    const l = lower[i]!;
    if (isHopByHop(l)) continue;
    if (tokens !== null && namedInConnection(tokens, l)) continue;
    if (rewrite?.remove.has(l)) continue;
    if (drop !== null && l === drop) continue;
    h += names[i] + ': ' + values[i] + '\r\n';
  }
  if (rewrite !== null) h += rewrite.lines;
  return h + tail;
}

/** Interim (1xx) responses are forwarded as received, minus hop-by-hop fields. */
export function buildInformationalHead(res: ResponseHead, upgrade: string | null): string {
  let h = buildResponseHead(res, null, '');
  if (upgrade !== null) h += 'Connection: upgrade\r\nUpgrade: ' + upgrade + '\r\n';
  return h + '\r\n';
}
