import net from 'node:net';
import { unmapIpv4 } from '@lvs7/core';
import { type PathArgument, xtext } from '../address.js';

// What the backend is told about the client and its envelope: XCLIENT or
// XFORWARD, and the MAIL command's parameters.

/** Who the client is, as the backend should see it (Received headers, logs, policy). */
export interface ClientInfo {
  readonly address: string;
  readonly port: number;
  /** The EHLO/HELO name, when the client gave one. */
  readonly helo: string | undefined;
  readonly proto: 'SMTP' | 'ESMTP';
  /** The SASL login name of an authenticated client. */
  readonly login: string | undefined;
}

/**
 * How the client is passed on: `auto` sends XCLIENT to backends that offer
 * it (Postfix with smtpd_authorized_xclient_hosts), else XFORWARD when
 * offered (smtpd_authorized_xforward_hosts), else nothing.
 */
export type ClientInfoMode = 'auto' | 'xclient' | 'xforward' | 'none';

const UNAVAILABLE = '[UNAVAILABLE]';

function attributes(info: ClientInfo): Map<string, string> {
  const address = unmapIpv4(info.address);
  const attrs = new Map<string, string>([
    // lvs7 does no reverse lookups; the backend may do its own.
    ['NAME', UNAVAILABLE],
    ['ADDR', net.isIPv6(address) ? `IPV6:${address}` : address],
    ['PORT', String(info.port)],
    ['PROTO', info.proto],
    ['HELO', info.helo ?? UNAVAILABLE],
  ]);
  if (info.login !== undefined) attrs.set('LOGIN', info.login);
  return attrs;
}

function line(verb: string, offered: string, attrs: Map<string, string>): string | undefined {
  const allowed = new Set(offered.toUpperCase().split(/\s+/).filter(Boolean));
  const parts: string[] = [];
  for (const [key, value] of attrs) {
    if (allowed.has(key)) parts.push(`${key}=${value === UNAVAILABLE ? value : xtext(value)}`);
  }
  return parts.length === 0 ? undefined : `${verb} ${parts.join(' ')}`;
}

/** The XCLIENT command for a backend whose EHLO offered `XCLIENT <attributes>`, or undefined. */
export function xclientCommand(
  mode: ClientInfoMode,
  capabilities: ReadonlyMap<string, string>,
  info: ClientInfo,
): string | undefined {
  if (mode !== 'auto' && mode !== 'xclient') return undefined;
  const offered = capabilities.get('XCLIENT');
  return offered === undefined ? undefined : line('XCLIENT', offered, attributes(info));
}

/** The XFORWARD command when XCLIENT is not used and the backend offers XFORWARD, or undefined. */
export function xforwardCommand(
  mode: ClientInfoMode,
  capabilities: ReadonlyMap<string, string>,
  info: ClientInfo,
): string | undefined {
  if (mode === 'none' || mode === 'xclient') return undefined;
  if (mode === 'auto' && capabilities.has('XCLIENT')) return undefined;
  const offered = capabilities.get('XFORWARD');
  if (offered === undefined) return undefined;
  const attrs = attributes(info);
  attrs.delete('LOGIN');
  attrs.set('SOURCE', 'REMOTE');
  return line('XFORWARD', offered, attrs);
}

/** MAIL FROM for the backend, with the client's SIZE, BODY and SMTPUTF8 where the backend offers them. */
export function mailCommand(sender: PathArgument, capabilities: ReadonlyMap<string, string>): string {
  let line = `MAIL FROM:<${sender.address}>`;
  const size = sender.params.get('SIZE');
  if (typeof size === 'string' && capabilities.has('SIZE')) line += ` SIZE=${size}`;
  const body = sender.params.get('BODY');
  if (typeof body === 'string' && capabilities.has('8BITMIME')) line += ` BODY=${body.toUpperCase()}`;
  if (sender.params.has('SMTPUTF8') && capabilities.has('SMTPUTF8')) line += ' SMTPUTF8';
  return line;
}
