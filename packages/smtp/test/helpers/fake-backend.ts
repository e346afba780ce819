import net from 'node:net';

export interface ReceivedMessage {
  readonly from: string;
  readonly recipients: readonly string[];
  /** Raw DATA bytes up to and including the final CRLF.CRLF (dot-stuffing kept). */
  readonly data: Buffer;
  readonly xclient: string | undefined;
  readonly xforward: string | undefined;
}

export interface FakeBackendOptions {
  readonly name: string;
  readonly lmtp?: boolean;
  readonly extensions?: readonly string[];
  /** A reply line for this sender instead of `250 2.1.0 Ok`. */
  readonly mail?: (address: string) => string | undefined;
  /** A reply line for this recipient instead of `250 2.1.5 Ok`. */
  readonly rcpt?: (address: string) => string | undefined;
  /** Reply lines after the final dot (one per recipient for LMTP). */
  readonly final?: (recipients: readonly string[], data: Buffer) => readonly string[];
  /** Destroy the connection once this many message bytes arrived. */
  readonly dieAfterBytes?: number;
  /** Never answer the final dot. */
  readonly silentAfterData?: boolean;
  /** After 354, stop reading (the proxy backs up) and die this much later (ms). */
  readonly stallThenDieMs?: number;
  /** Answer the final dot this much later (ms). */
  readonly finalDelayMs?: number;
  /** Expect a PROXY v1 header first (recorded in proxyHeaders). */
  readonly proxy?: boolean;
  /** Greeting line instead of `220 <name> ESMTP fake`; '' for none (accepts, never talks). */
  readonly greeting?: string;
}

/** A scriptable SMTP/LMTP server for unit tests: records what it got, fails on demand. */
export class FakeBackend {
  readonly options: FakeBackendOptions;
  readonly messages: ReceivedMessage[] = [];
  readonly commands: string[] = [];
  readonly proxyHeaders: string[] = [];
  connections = 0;
  port = 0;
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;

  constructor(options: FakeBackendOptions) {
    this.options = options;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    const server = net.createServer({ noDelay: true }, (socket) => this.#session(socket));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  #session(socket: net.Socket): void {
    this.connections++;
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const o = this.options;
    const say = (...lines: string[]) => socket.write(lines.map((l) => `${l}\r\n`).join(''));
    let buffer = Buffer.alloc(0);
    let inData = false;
    let from = '';
    let rcpts: string[] = [];
    let xclient: string | undefined;
    let xforward: string | undefined;
    let awaitingProxy = o.proxy === true;
    if (o.greeting === '') return;
    say(o.greeting ?? `220 ${o.name} ESMTP fake`);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (inData) {
          if (o.dieAfterBytes !== undefined && buffer.length >= o.dieAfterBytes) return socket.destroy();
          const end = buffer.indexOf('\r\n.\r\n');
          const atStart = buffer.subarray(0, 3).toString() === '.\r\n';
          if (end < 0 && !atStart) return;
          const cut = atStart ? 3 : end + 5;
          const data = buffer.subarray(0, cut);
          buffer = buffer.subarray(cut);
          inData = false;
          this.messages.push({ from, recipients: rcpts, data, xclient, xforward });
          if (!o.silentAfterData) {
            const lines =
              o.final?.(rcpts, data) ??
              (o.lmtp ? rcpts.map(() => '250 2.0.0 Ok delivered') : ['250 2.0.0 Ok: queued as FAKE']);
            if (o.finalDelayMs === undefined) say(...lines);
            else setTimeout(() => say(...lines), o.finalDelayMs);
          }
          rcpts = [];
          continue;
        }
        const lf = buffer.indexOf('\n');
        if (lf < 0) return;
        const line = buffer.subarray(0, lf).toString().replace(/\r$/, '');
        buffer = buffer.subarray(lf + 1);
        if (awaitingProxy) {
          awaitingProxy = false;
          this.proxyHeaders.push(line);
          continue;
        }
        this.commands.push(line);
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'EHLO' || verb === 'LHLO') {
          if (verb === (o.lmtp ? 'EHLO' : 'LHLO')) say('500 5.5.1 wrong protocol');
          else
            say(
              `250-${o.name}`,
              ...(
                o.extensions ?? ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'SIZE 10240000', 'ENHANCEDSTATUSCODES']
              ).map((e) => `250-${e}`),
              '250 HELP',
            );
        } else if (verb === 'HELO') say(`250 ${o.name}`);
        else if (verb === 'XCLIENT') {
          xclient = line;
          say(`220 ${o.name} ESMTP fake`);
        } else if (verb === 'XFORWARD') {
          xforward = line;
          say('250 2.0.0 Ok');
        } else if (verb === 'MAIL') {
          const sender = /<([^>]*)>/.exec(line)?.[1] ?? '';
          const refusal = o.mail?.(sender);
          rcpts = [];
          if (refusal !== undefined) say(refusal);
          else {
            from = sender;
            say('250 2.1.0 Ok');
          }
        } else if (verb === 'RCPT') {
          const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
          const refusal = o.rcpt?.(address);
          if (refusal !== undefined) say(refusal);
          else {
            rcpts.push(address);
            say('250 2.1.5 Ok');
          }
        } else if (verb === 'DATA') {
          if (rcpts.length === 0) say('554 5.5.1 Error: no valid recipients');
          else {
            inData = true;
            say('354 End data with <CR><LF>.<CR><LF>');
            if (o.stallThenDieMs !== undefined) {
              socket.pause();
              setTimeout(() => socket.destroy(), o.stallThenDieMs);
              return;
            }
          }
        } else if (verb === 'RSET') {
          rcpts = [];
          say('250 2.0.0 Ok');
        } else if (verb === 'NOOP') say('250 2.0.0 Ok');
        else if (verb === 'QUIT') {
          say('221 2.0.0 Bye');
          socket.end();
        } else say('502 5.5.2 Error: command not recognized');
      }
    });
  }
}
