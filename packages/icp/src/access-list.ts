import { BlockList, isIP } from 'node:net';
import { InvalidIcpOptionError } from './errors.js';

/**
 * Which peers may query the responder: CIDRs (`10.0.0.0/8`, `::1/128`) or
 * single addresses. Squid's `icp_access allow …` in one object; built once,
 * checked per query.
 */
export class IcpAccessList {
  readonly entries: readonly string[];
  readonly #list = new BlockList();
  // Peers are few and query often: remember verdicts per source address.
  readonly #verdicts = new Map<string, boolean>();

  constructor(entries: readonly string[]) {
    this.entries = Object.freeze([...entries]);
    for (const entry of entries) this.#add(entry);
  }

  /** True when `address` (as Node reports a datagram's source) is in the list. */
  allows(address: string): boolean {
    let verdict = this.#verdicts.get(address);
    if (verdict === undefined) {
      if (this.#verdicts.size >= 4096) this.#verdicts.clear();
      verdict = this.#check(address);
      this.#verdicts.set(address, verdict);
    }
    return verdict;
  }

  #check(address: string): boolean {
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; match them as IPv4.
    if (address.startsWith('::ffff:') && address.includes('.')) address = address.slice(7);
    const family = isIP(address);
    if (family === 0) return false;
    return this.#list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  #add(entry: string): void {
    const slash = entry.indexOf('/');
    const address = slash < 0 ? entry : entry.slice(0, slash);
    const family = isIP(address);
    if (family === 0) throw new InvalidIcpOptionError('allow', `"${entry}" is not an address or CIDR`);
    const bits = family === 4 ? 32 : 128;
    const prefixText = slash < 0 ? String(bits) : entry.slice(slash + 1);
    const prefix = Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText) || prefix > bits) {
      throw new InvalidIcpOptionError('allow', `"${entry}": prefix length must be 0-${bits}`);
    }
    this.#list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
}
