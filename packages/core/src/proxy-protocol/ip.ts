/** The 8 groups of a valid IPv6 address (`::` expanded, a trailing dotted IPv4 part included). */
export function ipv6Groups(address: string): number[] {
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const v4 = text
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    text = `${text.slice(0, lastColon + 1)}0`; // placeholder group, replaced below
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? 0 : 8 - left.length - right.length - (tail.length > 0 ? 1 : 0);
  const groups = [...left, ...Array<string>(fill).fill('0'), ...right].map((g) => Number.parseInt(g, 16));
  if (tail.length > 0) groups.splice(groups.length - 1, 1, ...tail);
  return groups;
}

/**
 * RFC 5952 text of 8 groups, as Node shows peer addresses: lower case, the
 * longest run of two or more zero groups as `::`, and IPv4-mapped addresses
 * as `::ffff:a.b.c.d` (so they unmap to IPv4 like a dual-stack peer's).
 */
export function formatIpv6(groups: readonly number[]): string {
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0) {
    if (groups[5] === 0xffff) {
      const [a, b] = [groups[6]!, groups[7]!];
      return `::ffff:${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`;
    }
  }
  let bestAt = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestAt = i;
      bestLength = j - i;
    }
    i = j;
  }
  // libuv's inet_ntop (Node's remoteAddress) writes IPv4-compatible addresses in dotted form too.
  if (bestAt === 0 && bestLength === 6) {
    const [a, b] = [groups[6]!, groups[7]!];
    return `::${a >> 8}.${a & 0xff}.${b >> 8}.${b & 0xff}`;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  return bestAt < 0 ? hex(0, 8) : `${hex(0, bestAt)}::${hex(bestAt + bestLength, 8)}`;
}
