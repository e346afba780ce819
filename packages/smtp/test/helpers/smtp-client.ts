import net from 'node:net';
import tls from 'node:tls';
import { ReplyParser } from '../../src/backend/reply-parser.js';
import type { SmtpReply } from '../../src/reply.js';

/** A bare-bones SMTP client for tests: write raw lines, read replies in order. */
export class TestClient {
  socket: net.Socket;
  readonly #parser = new ReplyParser();
  readonly #replies: SmtpReply[] = [];
  readonly #waiters: Array<(r: SmtpReply | undefined) => void> = [];
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.#listen(socket);
  }

  static async connect(port: number, preamble?: Buffer): Promise<TestClient> {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    if (preamble) socket.write(preamble);
    return new TestClient(socket);
  }

  #listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      for (const r of this.#parser.push(chunk)) this.#deliver(r);
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.#waiters.splice(0)) w(undefined);
    });
    socket.on('error', () => {});
  }

  #deliver(r: SmtpReply): void {
    const w = this.#waiters.shift();
    if (w) w(r);
    else this.#replies.push(r);
  }

  /** The next reply (undefined once the server closed). */
  read(timeoutMs = 5000): Promise<SmtpReply | undefined> {
    const ready = this.#replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply in time')), timeoutMs);
      this.#waiters.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  async command(line: string): Promise<SmtpReply | undefined> {
    this.write(`${line}\r\n`);
    return this.read();
  }

  /** Sends lines in one write and reads one reply per line. */
  async pipeline(lines: readonly string[]): Promise<(SmtpReply | undefined)[]> {
    this.write(lines.map((l) => `${l}\r\n`).join(''));
    const out: (SmtpReply | undefined)[] = [];
    for (let i = 0; i < lines.length; i++) out.push(await this.read());
    return out;
  }

  async startTls(): Promise<void> {
    this.socket.removeAllListeners('data');
    const secure = tls.connect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.#listen(secure);
  }

  /** Waits for the server to close the connection. */
  closedPromise(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Codes of replies, for compact assertions. */
export function codes(replies: readonly (SmtpReply | undefined)[]): (number | undefined)[] {
  return replies.map((r) => r?.code);
}
