import type { Socket } from 'node:net';

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** v1 lines are at most 107 bytes; v2 headers carry addresses and TLVs, which we bound. */
const MAX_V1 = 107;
const MAX_V2_PAYLOAD = 4096;

/** Set on a socket whose client address came in a PROXY header (read by the client connection). */
export const PROXIED_ADDRESS = Symbol('lvs7.proxiedAddress');

export class ProxyHeaderError extends Error {}

/**
 * The client address of a socket: from its PROXY header if one was read
 * (on the socket itself, or for TLS on the raw socket it wraps, `_parent`),
 * else the peer address.
 */
export function peerAddressOf(socket: Socket): string | undefined {
  const tagged = socket as Socket & { [PROXIED_ADDRESS]?: string; _parent?: { [PROXIED_ADDRESS]?: string } };
  return tagged[PROXIED_ADDRESS] ?? tagged._parent?.[PROXIED_ADDRESS] ?? socket.remoteAddress;
}

/**
 * Parses a PROXY protocol header (HAProxy's v1 text or v2 binary) at the
 * start of `buf`. Returns null while incomplete, else the bytes it took and
 * the client address it names (null for LOCAL / UNKNOWN: use the peer).
 */
export function parseProxyHeader(buf: Buffer): { consumed: number; address: string | null } | null {
  if (buf.length >= 1 && buf[0] === 0x0d) {
    if (buf.length < 16) {
      if (!V2_SIGNATURE.subarray(0, buf.length).equals(buf.subarray(0, Math.min(buf.length, 12))))
        throw bad();
      return null;
    }
    if (!buf.subarray(0, 12).equals(V2_SIGNATURE) || buf[12]! >> 4 !== 2) throw bad();
    const length = buf.readUInt16BE(14);
    if (length > MAX_V2_PAYLOAD) throw bad();
    if (buf.length < 16 + length) return null;
    const command = buf[12]! & 0x0f;
    const family = buf[13]! >> 4;
    if (command === 0) return { consumed: 16 + length, address: null };
    if (command !== 1) throw bad();
    if (family === 1 && length >= 12)
      return { consumed: 16 + length, address: [...buf.subarray(16, 20)].join('.') };
    if (family === 2 && length >= 36) {
      const parts: string[] = [];
      for (let i = 0; i < 8; i++) parts.push(buf.readUInt16BE(16 + i * 2).toString(16));
      // Uncompressed, still a valid IPv6 literal for net.isIP / BlockList.
      return { consumed: 16 + length, address: parts.join(':') };
    }
    return { consumed: 16 + length, address: null };
  }
  const eol = buf.indexOf('\r\n');
  if (eol < 0) {
    if (buf.length > MAX_V1 || !'PROXY '.startsWith(buf.toString('latin1', 0, Math.min(6, buf.length))))
      throw bad();
    return null;
  }
  const line = buf.toString('latin1', 0, eol);
  const m = /^PROXY (?:(TCP4|TCP6) (\S+) (\S+) (\d{1,5}) (\d{1,5})|UNKNOWN(?: .*)?)$/.exec(line);
  if (eol > MAX_V1 || m === null) throw bad();
  return { consumed: eol + 2, address: m[1] === undefined ? null : m[2]! };
}

function bad(): ProxyHeaderError {
  return new ProxyHeaderError('invalid PROXY protocol header');
}

/**
 * Reads the PROXY header a load balancer in front sends before anything
 * else, then hands the socket on (with what followed the header pushed
 * back) and the address it names; destroys the socket on a bad or late one.
 */
export function readProxyHeader(
  socket: Socket,
  timeoutMs: number,
  then: (address: string | null) => void,
): void {
  let buf: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  const onData = (chunk: Buffer): void => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    let header: ReturnType<typeof parseProxyHeader>;
    try {
      header = parseProxyHeader(buf);
    } catch {
      clearTimeout(timer);
      socket.destroy();
      return;
    }
    if (header === null) return;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.pause();
    if (header.consumed < buf.length) socket.unshift(buf.subarray(header.consumed));
    then(header.address);
  };
  socket.on('data', onData);
  socket.on('error', () => clearTimeout(timer));
}
