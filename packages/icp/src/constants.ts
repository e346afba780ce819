/**
 * ICP v2 wire constants (RFC 2186 section 2). Opcodes are numbers, as on the
 * wire, so the hot path compares integers; `opcodeName` is for logs and tests.
 */
export const IcpOpcode = {
  INVALID: 0,
  QUERY: 1,
  HIT: 2,
  MISS: 3,
  ERR: 4,
  SECHO: 10,
  DECHO: 11,
  MISS_NOFETCH: 21,
  DENIED: 22,
  HIT_OBJ: 23,
} as const;
export type IcpOpcode = (typeof IcpOpcode)[keyof typeof IcpOpcode];

/** The opcodes the decoder accepts (INVALID and the unused numbers are dropped). */
export const KNOWN_OPCODES: readonly IcpOpcode[] = [
  IcpOpcode.QUERY,
  IcpOpcode.HIT,
  IcpOpcode.MISS,
  IcpOpcode.ERR,
  IcpOpcode.SECHO,
  IcpOpcode.DECHO,
  IcpOpcode.MISS_NOFETCH,
  IcpOpcode.DENIED,
  IcpOpcode.HIT_OBJ,
];

const NAMES = new Map<number, string>(Object.entries(IcpOpcode).map(([name, code]) => [code, name]));

/** `HIT`, `MISS_NOFETCH`…; `OPCODE_<n>` for numbers RFC 2186 leaves unused. */
export function opcodeName(opcode: number): string {
  return NAMES.get(opcode) ?? `OPCODE_${opcode}`;
}

/** Option flags (the 32-bit Options field). */
export const ICP_FLAG_HIT_OBJ = 0x8000_0000;
export const ICP_FLAG_SRC_RTT = 0x4000_0000;

export const ICP_VERSION = 2;
/** opcode, version, length, request number, options, option data, sender address. */
export const HEADER_SIZE = 20;
/** RFC 2186: an ICP message MUST NOT be larger than 16,384 octets. */
export const MAX_MESSAGE_SIZE = 16_384;
/** The ICP port IANA assigned (Squid's default when ICP is on). */
export const DEFAULT_ICP_PORT = 3130;
