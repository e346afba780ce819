import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/**
 * A raw line client for protocol tests: send exact bytes, wait for the
 * server's answer. IMAP commands get tags A1, A2…; `command` resolves with
 * every line up to and including the tagged reply.
 */
export class RawClient {
  readonly socket: Socket;
  #buffer = '';
  #waiters: Array<() => void> = [];
  #tag = 0;
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const socket = connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Waits until the unread input matches, then consumes through the match. */
  async expect(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.#buffer);
      if (match) {
        const end = match.index + match[0].length;
        const text = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end);
        return text;
      }
      if (this.closed) throw new Error(`connection closed; unread: ${JSON.stringify(this.#buffer)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${pattern}; unread: ${JSON.stringify(this.#buffer)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next complete line (without CRLF). */
  async line(timeoutMs?: number): Promise<string> {
    return (await this.expect(/\r\n/, timeoutMs)).slice(0, -2);
  }

  /** Starts TLS on this connection (after STARTTLS/STLS was accepted); returns the client to use from now on. */
  async upgrade(): Promise<RawClient> {
    this.socket.removeAllListeners('data');
    const secure = tlsConnect({ socket: this.socket, rejectUnauthorized: false, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    return new RawClient(secure);
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends `TAG text` and returns the response through the tagged line. */
  async command(text: string, timeoutMs?: number): Promise<string> {
    const tag = `A${++this.#tag}`;
    this.write(`${tag} ${text}\r\n`);
    return this.expect(new RegExp(`(^|\\r\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n`), timeoutMs);
  }

  nextTag(): string {
    return `A${++this.#tag}`;
  }

  get unread(): string {
    return this.#buffer;
  }

  close(): void {
    this.socket.destroy();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

export interface LmtpResult {
  readonly greeting: string;
  /** One reply per RCPT TO. */
  readonly rcpt: string[];
  /** One reply per accepted recipient after DATA (LMTP), or the one reply (SMTP). */
  readonly data: string[];
}

/** A minimal LMTP (or SMTP) client: reads per-recipient replies after DATA, which smtplib cannot. */
export async function sendLmtp(
  port: number,
  from: string,
  recipients: readonly string[],
  message: string,
  { smtp = false } = {},
): Promise<LmtpResult> {
  const client = await RawClient.connect(port);
  try {
    const reply = async () => {
      let text = '';
      for (;;) {
        const line = await client.line();
        text += `${line}\n`;
        if (/^\d{3} /.test(line)) return text.trim();
      }
    };
    const greeting = await reply();
    client.write(`${smtp ? 'EHLO' : 'LHLO'} client.test\r\n`);
    await reply();
    client.write(`MAIL FROM:<${from}>\r\n`);
    await reply();
    const rcpt: string[] = [];
    for (const r of recipients) {
      client.write(`RCPT TO:<${r}>\r\n`);
      rcpt.push(await reply());
    }
    const accepted = rcpt.filter((r) => r.startsWith('250')).length;
    const data: string[] = [];
    if (accepted > 0) {
      client.write('DATA\r\n');
      await reply();
      const body = message.endsWith('\r\n') ? message : `${message}\r\n`;
      client.write(`${body.replace(/^\./gm, '..')}.\r\n`);
      for (let i = 0; i < (smtp ? 1 : accepted); i++) data.push(await reply());
    }
    client.write('QUIT\r\n');
    return { greeting, rcpt, data };
  } finally {
    client.close();
  }
}
