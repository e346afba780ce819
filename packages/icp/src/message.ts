import { ICP_FLAG_SRC_RTT, IcpOpcode } from './constants.js';

/**
 * One ICP v2 message (RFC 2186), as the codec reads and writes it. The
 * version is always 2 and the length is computed, so neither is a field.
 * Addresses are IPv4 as unsigned 32-bit integers (see ipv4.ts).
 */
export interface IcpMessage {
  readonly opcode: IcpOpcode;
  /** Chosen by the querier, echoed by the reply: how replies are matched to queries. */
  readonly requestNumber: number;
  /** Option flags: ICP_FLAG_HIT_OBJ, ICP_FLAG_SRC_RTT. */
  readonly options: number;
  /** With ICP_FLAG_SRC_RTT in a reply: RTT to the origin (ms) in the low 16 bits, hops in the high. */
  readonly optionData: number;
  /** RFC 2186 says "not used reliably"; lvs7 sends 0 and never trusts it. */
  readonly senderAddress: number;
  readonly url: string;
  /** QUERY only: the address of the client that asked the querier (0 when unknown). */
  readonly requesterAddress?: number;
  /** HIT_OBJ only: the object data (a view into the received datagram). */
  readonly object?: Uint8Array;
}

export function isQuery(message: IcpMessage): boolean {
  return message.opcode === IcpOpcode.QUERY;
}

/** True for opcodes a cache sends back to a QUERY (HIT_OBJ counts as a HIT). */
export function isHit(opcode: number): boolean {
  return opcode === IcpOpcode.HIT || opcode === IcpOpcode.HIT_OBJ;
}

/**
 * The RTT to the origin a reply reports with ICP_FLAG_SRC_RTT (low 16 bits of
 * option data, in ms), or undefined when the flag is not set. Only meaningful
 * when the query asked for it; the client ignores it otherwise.
 */
export function sourceRtt(message: IcpMessage): number | undefined {
  return (message.options & ICP_FLAG_SRC_RTT) !== 0 ? message.optionData & 0xffff : undefined;
}

/** Option data for a SRC_RTT reply: hops in the high 16 bits, RTT (ms, clamped) in the low. */
export function sourceRttOptionData(rttMs: number, hops = 0): number {
  const rtt = Math.min(0xffff, Math.max(0, Math.round(rttMs)));
  return (((hops & 0xffff) << 16) | rtt) >>> 0;
}
