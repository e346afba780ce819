import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  ICP_FLAG_HIT_OBJ,
  ICP_FLAG_SRC_RTT,
  type IcpMessage,
  KNOWN_OPCODES,
  MAX_MESSAGE_SIZE,
} from '../src/index.js';

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
// Any Unicode text without NUL (UTF-8 on the wire); short enough to stay under 16 KiB.
const url = fc.string({ unit: 'binary', maxLength: 200 }).filter((s) => !s.includes('\0'));
const flags = fc
  .subarray([ICP_FLAG_HIT_OBJ, ICP_FLAG_SRC_RTT])
  .map((f) => f.reduce((a, b) => (a | b) >>> 0, 0));

/** A message of any known opcode with any flags, shaped as the decoder returns it. */
const message: fc.Arbitrary<IcpMessage> = fc
  .record({
    opcode: fc.constantFrom(...KNOWN_OPCODES),
    requestNumber: u32,
    options: flags,
    optionData: u32,
    senderAddress: u32,
    url,
    requesterAddress: u32,
    object: fc.uint8Array({ maxLength: 300 }),
  })
  .map(({ opcode, requesterAddress, object, ...rest }) => ({
    opcode,
    ...rest,
    ...(opcode === 1 ? { requesterAddress } : {}),
    ...(opcode === 23 ? { object } : {}),
  }));

function plain(m: IcpMessage): unknown {
  return m.object === undefined ? { ...m } : { ...m, object: Buffer.from(m.object) };
}

describe('ICP codec properties', () => {
  it('decode(encode(m)) = m for every opcode and flag', () => {
    fc.assert(
      fc.property(message, (m) => {
        const result = decodeMessage(encodeMessage(m));
        expect(result.ok).toBe(true);
        if (result.ok) expect(plain(result.message)).toEqual(plain(m));
      }),
      { numRuns: 2000 },
    );
  });

  it('encode(decode(bytes)) = bytes for every datagram that decodes', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = encodeMessage(m);
        const result = decodeMessage(bytes);
        if (result.ok) expect(encodeMessage(result.message)).toEqual(bytes);
      }),
    );
  });

  it('random bytes never crash the decoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: MAX_MESSAGE_SIZE + 10 }), (bytes) => {
        const result = decodeMessage(Buffer.from(bytes));
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('valid messages with corrupted bytes, a fixed length field or truncation never crash the decoder', () => {
    const mutation = fc.record({
      m: message,
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      cut: fc.nat(),
      fixLength: fc.boolean(),
    });
    fc.assert(
      fc.property(mutation, ({ m, flips, cut, fixLength }) => {
        let bytes = encodeMessage(m);
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        bytes = bytes.subarray(0, bytes.length - (cut % 4));
        if (fixLength && bytes.length >= 4) bytes.writeUInt16BE(bytes.length, 2);
        const result = decodeMessage(bytes);
        if (result.ok) expect(result.message.url).not.toContain('\0');
      }),
      { numRuns: 3000 },
    );
  });
});
