import { HEADER_SIZE, ICP_VERSION, IcpOpcode, MAX_MESSAGE_SIZE } from './constants.js';
import { IcpEncodeError } from './errors.js';
import type { IcpMessage } from './message.js';

/** Bytes `message` takes on the wire (the value of its length field). */
export function encodedLength(message: IcpMessage): number {
  let length = HEADER_SIZE + Buffer.byteLength(message.url, 'utf8') + 1;
  if (message.opcode === IcpOpcode.QUERY) length += 4;
  if (message.opcode === IcpOpcode.HIT_OBJ) length += 2 + (message.object?.length ?? 0);
  return length;
}

/**
 * Writes `message` into `target` at `offset` and returns its length: the hot
 * path encodes into a preallocated buffer (IcpSocket's send slab) instead of
 * allocating one per message. Throws IcpEncodeError for a URL containing NUL
 * (it would end the URL early), a message over 16,384 bytes or a target too small.
 */
export function encodeInto(message: IcpMessage, target: Buffer, offset = 0): number {
  const { opcode, url } = message;
  if (url.includes('\0')) throw new IcpEncodeError('URL contains a NUL byte');
  const length = encodedLength(message);
  if (length > MAX_MESSAGE_SIZE)
    throw new IcpEncodeError(`${length} bytes (the limit is ${MAX_MESSAGE_SIZE})`);
  if (offset + length > target.length) throw new IcpEncodeError('target buffer too small');
  target[offset] = opcode;
  target[offset + 1] = ICP_VERSION;
  target.writeUInt16BE(length, offset + 2);
  target.writeUInt32BE(message.requestNumber >>> 0, offset + 4);
  target.writeUInt32BE(message.options >>> 0, offset + 8);
  target.writeUInt32BE(message.optionData >>> 0, offset + 12);
  target.writeUInt32BE(message.senderAddress >>> 0, offset + 16);
  let at = offset + HEADER_SIZE;
  if (opcode === IcpOpcode.QUERY) {
    target.writeUInt32BE((message.requesterAddress ?? 0) >>> 0, at);
    at += 4;
  }
  at += target.write(url, at, 'utf8');
  target[at++] = 0;
  if (opcode === IcpOpcode.HIT_OBJ) {
    const object = message.object ?? new Uint8Array(0);
    target.writeUInt16BE(object.length, at);
    target.set(object, at + 2);
  }
  return length;
}

/** Encodes `message` into a new Buffer of exactly its length. */
export function encodeMessage(message: IcpMessage): Buffer {
  const target = Buffer.allocUnsafe(encodedLength(message));
  encodeInto(message, target, 0);
  return target;
}
