import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { decodeMessage, encodeMessage, type IcpMessage, IcpOpcode, type IcpPeer } from '../src/index.js';

export interface FakePeerOptions {
  /** Reply opcode, or undefined to stay silent. */
  opcode?: IcpOpcode | undefined;
  delayMs?: number;
  /** Reply with ICP_FLAG_SRC_RTT and this RTT when the query asks. */
  sourceRttMs?: number | undefined;
}

/** A scripted ICP peer on 127.0.0.1: records queries, replies as told. */
export class FakePeer {
  readonly queries: { message: IcpMessage; from: RemoteInfo }[] = [];
  readonly socket: Socket;
  options: FakePeerOptions;
  #closed = false;
  #waiters: ((message: IcpMessage) => void)[] = [];

  private constructor(socket: Socket, options: FakePeerOptions) {
    this.socket = socket;
    this.options = options;
    socket.on('message', (bytes, from) => {
      const result = decodeMessage(bytes);
      if (!result.ok || result.message.opcode !== IcpOpcode.QUERY) return;
      this.queries.push({ message: result.message, from });
      for (const waiter of this.#waiters.splice(0)) waiter(result.message);
      this.#reply(result.message, from);
    });
  }

  static async start(options: FakePeerOptions = {}): Promise<FakePeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new FakePeer(socket, options);
  }

  get port(): number {
    return this.socket.address().port;
  }

  peer(type: 'parent' | 'sibling', name = `p${this.port}`, weight?: number): IcpPeer {
    return { name, host: '127.0.0.1', port: this.port, type, ...(weight === undefined ? {} : { weight }) };
  }

  /** Resolves with the next QUERY this peer receives. */
  nextQuery(): Promise<IcpMessage> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  close(): Promise<void> {
    this.#closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  #reply(query: IcpMessage, from: RemoteInfo): void {
    const { opcode, delayMs = 0, sourceRttMs } = this.options;
    if (opcode === undefined) return;
    const withRtt = sourceRttMs !== undefined && (query.options & 0x4000_0000) !== 0;
    const reply = encodeMessage({
      opcode,
      requestNumber: query.requestNumber,
      options: withRtt ? 0x4000_0000 : 0,
      optionData: withRtt ? sourceRttMs : 0,
      senderAddress: 0,
      url: query.url,
    });
    const send = () => {
      if (!this.#closed) this.socket.send(reply, from.port, from.address);
    };
    if (delayMs > 0) setTimeout(send, delayMs);
    else send();
  }
}

/** A bare UDP socket on 127.0.0.1 for sending hand-made datagrams. */
export async function rawSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

/** Sends `bytes` from `socket` and resolves with the first datagram it receives back (or undefined). */
export function exchange(
  socket: Socket,
  bytes: Buffer,
  port: number,
  timeoutMs = 500,
): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.off('message', onMessage);
      resolve(undefined);
    }, timeoutMs);
    const onMessage = (reply: Buffer) => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(reply);
    };
    socket.on('message', onMessage);
    socket.send(bytes, port, '127.0.0.1');
  });
}
