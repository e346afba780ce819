import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodedLength,
  encodeInto,
  encodeMessage,
  formatIpv4,
  ICP_FLAG_HIT_OBJ,
  ICP_FLAG_SRC_RTT,
  type IcpMessage,
  IcpOpcode,
  opcodeName,
  parseIpv4,
  sourceRtt,
  sourceRttOptionData,
} from '../src/index.js';

const base = { requestNumber: 0x01020304, options: 0, optionData: 0, senderAddress: 0 };

describe('ICP codec: the RFC 2186 layout', () => {
  it('encodes a QUERY byte for byte: header, requester address, NUL-terminated URL', () => {
    const bytes = encodeMessage({
      ...base,
      opcode: IcpOpcode.QUERY,
      options: ICP_FLAG_SRC_RTT,
      senderAddress: parseIpv4('10.0.0.1')!,
      requesterAddress: parseIpv4('192.168.1.2')!,
      url: 'http://a/',
    });
    expect(bytes.toString('hex')).toBe(
      [
        '01', // opcode QUERY
        '02', // version
        '0022', // length 34 = 20 + 4 + 10
        '01020304', // request number
        '40000000', // options: SRC_RTT
        '00000000', // option data
        '0a000001', // sender host address
        'c0a80102', // requester host address
        Buffer.from('http://a/\0').toString('hex'),
      ].join(''),
    );
  });

  it('decodes a MISS as Squid sends it (URL right after the header)', () => {
    const url = 'http://127.0.0.1:9/x';
    const bytes = Buffer.alloc(20 + url.length + 1);
    bytes[0] = 3;
    bytes[1] = 2;
    bytes.writeUInt16BE(bytes.length, 2);
    bytes.writeUInt32BE(7, 4);
    bytes.write(url, 20, 'latin1');
    expect(decodeMessage(bytes)).toEqual({
      ok: true,
      message: { opcode: IcpOpcode.MISS, requestNumber: 7, options: 0, optionData: 0, senderAddress: 0, url },
    });
  });

  it('decodes HIT_OBJ: URL, 16-bit object size, object data', () => {
    const object = Buffer.from('HTTP/1.0 200 OK\r\n\r\nhello');
    const message: IcpMessage = {
      ...base,
      opcode: IcpOpcode.HIT_OBJ,
      options: ICP_FLAG_HIT_OBJ,
      url: 'http://x/',
      object,
    };
    const bytes = encodeMessage(message);
    expect(bytes.readUInt16BE(20 + 10)).toBe(object.length);
    const result = decodeMessage(bytes);
    expect(result.ok && Buffer.from(result.message.object!).toString()).toBe(object.toString());
  });

  it('encodes into a preallocated buffer at an offset', () => {
    const target = Buffer.alloc(100, 0xee);
    const message: IcpMessage = { ...base, opcode: IcpOpcode.HIT, url: 'http://h/' };
    const length = encodeInto(message, target, 10);
    expect(length).toBe(encodedLength(message));
    expect(target[9]).toBe(0xee);
    expect(target.subarray(10, 10 + length)).toEqual(encodeMessage(message));
    expect(target[10 + length]).toBe(0xee);
  });

  it('refuses to encode what would not decode back: NUL in the URL, over 16 KiB, a small target', () => {
    const hit = { ...base, opcode: IcpOpcode.HIT } as const;
    expect(() => encodeMessage({ ...hit, url: 'a\0b' })).toThrow(
      expect.objectContaining({ code: 'LVS7_ERR_ICP_ENCODE' }),
    );
    expect(() => encodeMessage({ ...hit, url: 'x'.repeat(16_384) })).toThrow(/16384/);
    expect(() => encodeInto({ ...hit, url: 'http://h/' }, Buffer.alloc(20))).toThrow(/too small/);
  });

  it('SRC_RTT: RTT in the low 16 bits of option data, only with the flag', () => {
    const data = sourceRttOptionData(123, 4);
    expect(data).toBe((4 << 16) | 123);
    expect(
      sourceRtt({ ...base, opcode: IcpOpcode.MISS, options: ICP_FLAG_SRC_RTT, optionData: data, url: 'u' }),
    ).toBe(123);
    expect(sourceRtt({ ...base, opcode: IcpOpcode.MISS, optionData: data, url: 'u' })).toBeUndefined();
    expect(sourceRttOptionData(1e6)).toBe(0xffff);
  });

  it('names opcodes and converts IPv4 addresses', () => {
    expect(opcodeName(21)).toBe('MISS_NOFETCH');
    expect(opcodeName(5)).toBe('OPCODE_5');
    expect(formatIpv4(parseIpv4('255.1.0.9')!)).toBe('255.1.0.9');
    expect(parseIpv4('1.2.3')).toBeUndefined();
    expect(parseIpv4('1.2.3.256')).toBeUndefined();
  });
});

describe('ICP codec: malformed datagrams are reasons, never exceptions', () => {
  const valid = () => encodeMessage({ ...base, opcode: IcpOpcode.MISS, url: 'http://h/' });
  const reason = (bytes: Buffer) => {
    const result = decodeMessage(bytes);
    return result.ok ? 'ok' : result.reason;
  };

  it('shorter than the header', () => {
    expect(reason(Buffer.alloc(0))).toBe('too-short');
    expect(reason(valid().subarray(0, 19))).toBe('too-short');
  });

  it('a length field that is not the datagram size (as Squid checks)', () => {
    const bytes = valid();
    bytes.writeUInt16BE(bytes.length + 1, 2);
    expect(reason(bytes)).toBe('length-mismatch');
    expect(reason(Buffer.concat([valid(), Buffer.from([0])]))).toBe('length-mismatch');
  });

  it('a version other than 2 (ICP v3 included)', () => {
    const bytes = valid();
    bytes[1] = 3;
    expect(reason(bytes)).toBe('bad-version');
  });

  it('INVALID and the opcodes RFC 2186 leaves unused', () => {
    for (const opcode of [0, 5, 9, 12, 20, 24, 255]) {
      const bytes = valid();
      bytes[0] = opcode;
      expect(reason(bytes)).toBe('unknown-opcode');
    }
  });

  it('a URL without its NUL; a QUERY too short for the requester address', () => {
    const bytes = valid();
    bytes[bytes.length - 1] = 0x41;
    expect(reason(bytes)).toBe('missing-nul');
    const query = Buffer.alloc(22);
    query[0] = IcpOpcode.QUERY;
    query[1] = 2;
    query.writeUInt16BE(22, 2);
    expect(reason(query)).toBe('too-short');
  });

  it('a HIT_OBJ whose object is cut short', () => {
    const bytes = encodeMessage({
      ...base,
      opcode: IcpOpcode.HIT_OBJ,
      url: 'u',
      object: Buffer.from('abcdef'),
    });
    const cut = Buffer.from(bytes.subarray(0, bytes.length - 2));
    cut.writeUInt16BE(cut.length, 2);
    expect(reason(cut)).toBe('truncated-object');
    const noSize = Buffer.from(bytes.subarray(0, 20 + 2 + 1));
    noSize.writeUInt16BE(noSize.length, 2);
    expect(reason(noSize)).toBe('truncated-object');
  });
});
