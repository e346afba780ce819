import { execFile } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Imap from 'imap';

const run = promisify(execFile);
const scripts = fileURLToPath(new URL('../scripts/', import.meta.url));

/** Runs one of the Python client scripts and parses its JSON line. */
export async function python(
  script: string,
  ...args: Array<string | number>
): Promise<Record<string, unknown>> {
  const { stdout } = await run('python3', [`${scripts}${script}`, ...args.map(String)], { timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

/** A node-imap connection, connected and logged in (resolves on `ready`). */
export function nodeImap(port: number, user: string, password: string): Promise<Imap> {
  return new Promise((resolve, reject) => {
    const imap = new Imap({ user, password, host: '127.0.0.1', port, tls: false, authTimeout: 10_000 });
    imap.once('ready', () => resolve(imap));
    imap.once('error', reject);
    imap.connect();
  });
}

/** The backend's ID name through node-imap's (untyped) id(). */
export function imapId(imap: Imap): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    (
      imap as unknown as {
        id: (id: null, cb: (e: Error | null, info: Record<string, string>) => void) => void;
      }
    ).id(null, (error, info) => (error ? reject(error) : resolve(info)));
  });
}

/** Sends text on a raw connection (optionally from a given local address) and collects the reply lines. */
export class RawClient {
  readonly socket: net.Socket;
  #text = '';
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.#text += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static connect(port: number, localAddress?: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  get text(): string {
    return this.#text;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until the received text matches (or the connection closed when `orClose`). */
  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.#text)) {
      if (this.closed)
        throw new Error(`closed before ${pattern}; got ${JSON.stringify(this.#text.slice(-300))}`);
      if (Date.now() > deadline)
        throw new Error(`timeout waiting for ${pattern}; got ${JSON.stringify(this.#text.slice(-300))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.#text;
  }

  async waitClosed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('still open');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
