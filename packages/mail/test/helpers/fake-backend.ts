import net from 'node:net';
import tls from 'node:tls';

export interface FakeBackendOptions {
  readonly name: string;
  readonly protocol: 'imap' | 'pop3';
  /** user → password */
  readonly users: Readonly<Record<string, string>>;
  /** Omit [CAPABILITY] from the login OK (lvs7 must then ask). */
  readonly capabilityInLogin?: boolean;
  /** Offer STARTTLS / STLS with this certificate, or (implicit) speak TLS from the first byte. */
  readonly tls?: { readonly cert: string; readonly key: string; readonly implicit?: boolean } | undefined;
}

/**
 * A tiny in-process IMAP or POP3 server for session tests: greets with its
 * name, accepts ID / XCLIENT / PROXY, logs users in, then answers every
 * command with its own name so a test sees which backend served it.
 */
export class FakeBackend {
  readonly options: FakeBackendOptions;
  readonly server: net.Server;
  /** Every line received, per connection. */
  readonly transcripts: string[][] = [];
  readonly sockets = new Set<net.Socket>();

  constructor(options: FakeBackendOptions) {
    this.options = options;
    const t = options.tls;
    this.server = t?.implicit
      ? tls.createServer({ cert: t.cert, key: t.key }, (socket) => this.#session(socket))
      : net.createServer((socket) => this.#session(socket));
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Stops listening and drops every connection. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #session(socket: net.Socket, greet = true): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    const lines: string[] = [];
    this.transcripts.push(lines);
    const { name, protocol } = this.options;
    let loggedIn = false;
    let pendingUser: string | undefined;
    let pendingAuth: string | undefined;
    let literal: { size: number; prefix: string } | undefined;
    let buffer = Buffer.alloc(0);
    const write = (s: string) => socket.write(s);
    const startTls = () => {
      socket.removeAllListeners('data');
      const secure = new tls.TLSSocket(socket, {
        isServer: true,
        cert: this.options.tls!.cert,
        key: this.options.tls!.key,
      });
      this.transcripts.pop();
      this.#session(secure, false);
      this.transcripts.at(-1)!.unshift(...lines, '(tls)');
    };
    if (greet)
      write(
        protocol === 'imap'
          ? `* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ ID AUTH=PLAIN] ${name} ready.\r\n`
          : `+OK ${name} ready.\r\n`,
      );
    const check = (user: string, password: string) => this.options.users[user] === password;
    const plain = (b64: string) => {
      const [, user = '', password = ''] = Buffer.from(b64, 'base64').toString('utf8').split('\0');
      return check(user, password);
    };
    const caps = this.options.capabilityInLogin === false ? '' : '[CAPABILITY IMAP4rev1 IDLE MOVE] ';
    const imapLine = (line: string) => {
      if (pendingAuth !== undefined) {
        const tag = pendingAuth;
        pendingAuth = undefined;
        loggedIn = plain(line);
        write(
          loggedIn
            ? `${tag} OK ${caps}Logged in at ${name}\r\n`
            : `${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n`,
        );
        return;
      }
      const [tag = '*', cmd = '', ...args] = line.split(' ');
      const upper = cmd.toUpperCase();
      if (upper === 'LOGOUT') {
        write(`* BYE ${name} bye\r\n${tag} OK Logout completed.\r\n`);
        socket.end();
      } else if (upper === 'STARTTLS' && this.options.tls) {
        write(`${tag} OK Begin TLS\r\n`);
        startTls();
      } else if (upper === 'CAPABILITY')
        write(`* CAPABILITY IMAP4rev1 SASL-IR ID AUTH=PLAIN\r\n${tag} OK done\r\n`);
      else if (loggedIn) write(`${tag} OK ${name} ${line.slice(tag.length + 1)}\r\n`);
      else if (upper === 'ID') write(`* ID ("name" "${name}")\r\n${tag} OK ID completed.\r\n`);
      else if (upper === 'AUTHENTICATE' && args.length === 2) {
        loggedIn = plain(args[1]!);
        write(
          loggedIn
            ? `${tag} OK ${caps}Logged in at ${name}\r\n`
            : `${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n`,
        );
      } else if (upper === 'AUTHENTICATE') {
        pendingAuth = tag;
        write('+ \r\n');
      } else if (upper === 'LOGIN') {
        loggedIn = check(args[0]!.replace(/"/g, ''), args[1]!.replace(/"/g, ''));
        write(
          loggedIn
            ? `${tag} OK ${caps}Logged in at ${name}\r\n`
            : `${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n`,
        );
      } else write(`${tag} BAD unknown\r\n`);
    };
    const pop3Line = (line: string) => {
      const [cmd = '', ...args] = line.split(' ');
      const upper = cmd.toUpperCase();
      if (upper === 'QUIT') {
        write(`+OK ${name} bye\r\n`);
        socket.end();
      } else if (loggedIn) write(`+OK ${name} ${line}\r\n`);
      else if (upper === 'XCLIENT') write('+OK\r\n');
      else if (upper === 'STLS' && this.options.tls) {
        write('+OK Begin TLS\r\n');
        startTls();
      } else if (upper === 'USER') {
        pendingUser = args.join(' ');
        write('+OK\r\n');
      } else if (upper === 'PASS') {
        loggedIn = pendingUser !== undefined && check(pendingUser, line.slice(5));
        write(loggedIn ? `+OK Logged in at ${name}.\r\n` : '-ERR [AUTH] Authentication failed.\r\n');
      } else if (upper === 'AUTH') {
        loggedIn = plain(args[1] ?? '');
        write(loggedIn ? `+OK Logged in at ${name}.\r\n` : '-ERR [AUTH] Authentication failed.\r\n');
      } else write('-ERR unknown\r\n');
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (literal !== undefined) {
          if (buffer.length < literal.size) return;
          const bytes = buffer.subarray(0, literal.size).toString('latin1');
          buffer = buffer.subarray(literal.size);
          literal.prefix += `"${bytes}"`;
          const end = buffer.indexOf('\r\n');
          if (end < 0) return;
          const rest = buffer.subarray(0, end).toString('latin1');
          buffer = buffer.subarray(end + 2);
          const m = /\{(\d+)\+?\}$/.exec(rest);
          if (m) {
            literal = { size: Number(m[1]), prefix: literal.prefix + rest.slice(0, -m[0].length) };
            continue;
          }
          const full = literal.prefix + rest;
          literal = undefined;
          lines.push(full);
          imapLine(full);
          continue;
        }
        const end = buffer.indexOf('\r\n');
        if (end < 0) return;
        const line = buffer.subarray(0, end).toString('latin1');
        buffer = buffer.subarray(end + 2);
        if (line.startsWith('PROXY ')) {
          lines.push(line);
          continue;
        }
        const m = protocol === 'imap' ? /\{(\d+)(\+?)\}$/.exec(line) : null;
        if (m) {
          literal = { size: Number(m[1]), prefix: line.slice(0, -m[0].length) };
          if (m[2] !== '+') write('+ go ahead\r\n');
          continue;
        }
        lines.push(line);
        if (protocol === 'imap') imapLine(line);
        else pop3Line(line);
      }
    });
  }
}
