/**
 * ICP carries IPv4 addresses as 32-bit fields (sender and requester host
 * address); messages keep them as unsigned integers so decoding allocates no
 * strings. These convert at the edges.
 */

/** `a.b.c.d` → unsigned 32-bit integer, or undefined when it is not a dotted quad. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** Unsigned 32-bit integer → `a.b.c.d`. */
export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}
