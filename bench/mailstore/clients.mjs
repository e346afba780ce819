// Minimal load clients for the mailstore benchmark: a persistent LMTP
// sender and an IMAP session that runs one command and counts FETCH
// responses (skipping literals properly, whatever they contain).
import { connect } from 'node:net';

class Conn {
  constructor(port) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.buf = Buffer.alloc(0);
    this.wait = undefined;
    this.socket.on('data', (d) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      const w = this.wait;
      this.wait = undefined;
      w?.();
    });
    this.socket.on('error', () => {});
  }
  async more() {
    await new Promise((r) => (this.wait = r));
  }
  async line() {
    for (;;) {
      const i = this.buf.indexOf(10);
      if (i >= 0) {
        const line = this.buf.toString('latin1', 0, i > 0 && this.buf[i - 1] === 13 ? i - 1 : i);
        this.buf = this.buf.subarray(i + 1);
        return line;
      }
      await this.more();
    }
  }
  async skip(n) {
    while (this.buf.length < n) await this.more();
    this.buf = this.buf.subarray(n);
  }
  write(s) {
    this.socket.write(s);
  }
  close() {
    this.socket.destroy();
  }
}

export class LmtpSender {
  static async open(port) {
    const s = new LmtpSender();
    s.c = new Conn(port);
    await s.reply();
    s.c.write('LHLO bench\r\n');
    await s.reply();
    return s;
  }
  async reply() {
    for (;;) {
      const line = await this.c.line();
      if (/^\d{3} /.test(line)) return line;
    }
  }
  /** One transaction; resolves with the DATA reply. */
  async send(rcpt, message) {
    this.c.write(`MAIL FROM:<bench@load.test>\r\nRCPT TO:<${rcpt}>\r\nDATA\r\n`);
    await this.reply();
    const rc = await this.reply();
    if (!rc.startsWith('250')) throw new Error(`RCPT: ${rc}`);
    await this.reply();
    this.c.write(message);
    const reply = await this.reply();
    if (!reply.startsWith('250')) throw new Error(`DATA: ${reply}`);
    return reply;
  }
  close() {
    this.c.write('QUIT\r\n');
    this.c.close();
  }
}

export class ImapSession {
  static async open(port, user, password) {
    const s = new ImapSession();
    s.c = new Conn(port);
    s.tag = 0;
    await s.c.line();
    await s.run(`LOGIN ${user} ${password}`);
    return s;
  }
  /** Runs a command; resolves with { fetches, bytes } (literal bytes received). */
  async run(command) {
    const tag = `b${++this.tag}`;
    this.c.write(`${tag} ${command}\r\n`);
    let fetches = 0;
    let bytes = 0;
    for (;;) {
      let line = await this.c.line();
      if (line.startsWith(`${tag} `)) {
        if (!line.startsWith(`${tag} OK`)) throw new Error(line);
        return { fetches, bytes };
      }
      if (/^\* \d+ FETCH/.test(line)) fetches++;
      for (;;) {
        const m = /\{(\d+)\}$/.exec(line);
        if (!m) break;
        await this.c.skip(Number(m[1]));
        bytes += Number(m[1]);
        line = await this.c.line();
      }
    }
  }
  close() {
    this.c.close();
  }
}
