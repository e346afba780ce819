import { HEADER_SIZE, ICP_VERSION, type IcpOpcode, KNOWN_OPCODES, IcpOpcode as Op } from './constants.js';
import type { IcpMessage } from './message.js';

/** Why a datagram was dropped; IcpSocket counts drops by these names. */
export type MalformedReason =
  | 'too-short'
  | 'length-mismatch'
  | 'bad-version'
  | 'unknown-opcode'
  | 'missing-nul'
  | 'truncated-object';

export const MALFORMED_REASONS: readonly MalformedReason[] = [
  'too-short',
  'length-mismatch',
  'bad-version',
  'unknown-opcode',
  'missing-nul',
  'truncated-object',
];

export type DecodeResult =
  | { readonly ok: true; readonly message: IcpMessage }
  | { readonly ok: false; readonly reason: MalformedReason };

// One frozen result per reason: dropping a datagram allocates nothing.
const FAILURES = Object.fromEntries(
  MALFORMED_REASONS.map((reason) => [reason, Object.freeze({ ok: false, reason })]),
);
const fail = (reason: MalformedReason) => FAILURES[reason] as DecodeResult;

// Indexed by opcode: true for the ones RFC 2186 defines (INVALID excluded).
const KNOWN = new Uint8Array(256);
for (const op of KNOWN_OPCODES) KNOWN[op] = 1;

/**
 * Decodes one datagram. Never throws: anything malformed (shorter than the
 * header, a length field that is not the datagram's size — as Squid checks —,
 * a version other than 2, an unknown opcode, a URL without its NUL, a HIT_OBJ
 * object cut short) comes back as `{ ok: false, reason }`. Bytes after the
 * URL's NUL are ignored, except HIT_OBJ's object.
 */
export function decodeMessage(bytes: Buffer): DecodeResult {
  if (bytes.length < HEADER_SIZE) return fail('too-short');
  if (bytes.readUInt16BE(2) !== bytes.length) return fail('length-mismatch');
  if (bytes[1] !== ICP_VERSION) return fail('bad-version');
  if (KNOWN[bytes[0]!] !== 1) return fail('unknown-opcode');
  const opcode = bytes[0] as IcpOpcode;
  const requestNumber = bytes.readUInt32BE(4);
  const options = bytes.readUInt32BE(8);
  const optionData = bytes.readUInt32BE(12);
  const senderAddress = bytes.readUInt32BE(16);
  if (opcode === Op.QUERY) {
    if (bytes.length < HEADER_SIZE + 5) return fail('too-short');
    const nul = bytes.indexOf(0, HEADER_SIZE + 4);
    if (nul < 0) return fail('missing-nul');
    const message: IcpMessage = {
      opcode,
      requestNumber,
      options,
      optionData,
      senderAddress,
      requesterAddress: bytes.readUInt32BE(HEADER_SIZE),
      url: bytes.toString('utf8', HEADER_SIZE + 4, nul),
    };
    return { ok: true, message };
  }
  const nul = bytes.indexOf(0, HEADER_SIZE);
  if (nul < 0) return fail('missing-nul');
  const url = bytes.toString('utf8', HEADER_SIZE, nul);
  if (opcode === Op.HIT_OBJ) {
    if (nul + 3 > bytes.length) return fail('truncated-object');
    const size = bytes.readUInt16BE(nul + 1);
    if (nul + 3 + size > bytes.length) return fail('truncated-object');
    const object = bytes.subarray(nul + 3, nul + 3 + size);
    return { ok: true, message: { opcode, requestNumber, options, optionData, senderAddress, url, object } };
  }
  return { ok: true, message: { opcode, requestNumber, options, optionData, senderAddress, url } };
}
