import { unmapIpv4 } from '@lvs7/core';
import { BackendError } from '../errors.js';
import { type Credentials, encodeSaslPlain } from '../protocol/sasl-plain.js';
import type { BackendConnection } from './backend-connection.js';
import type { BackendDriver, BackendLoginResult, BackendPrepareOptions } from './backend-driver.js';

const OK = /^\+OK\b/i;

/** lvs7 logging a client in to a POP3 backend (pop3-login's proxy side). */
export class Pop3Backend implements BackendDriver {
  /** Replies owed to pipelined commands, read before the login's. */
  #pending = 0;

  async prepare(conn: BackendConnection, options: BackendPrepareOptions): Promise<void> {
    const greeting = await conn.readLine();
    if (!OK.test(greeting))
      throw new BackendError(conn.options.name, `bad greeting: ${greeting.slice(0, 80)}`, true);
    if (options.startTls) {
      conn.write('STLS\r\n');
      if (!OK.test(await conn.readLine())) throw new BackendError(conn.options.name, 'STLS refused', false);
      await conn.startTls();
    }
    if (options.announce && options.client !== undefined) {
      // Pipelined with the login (RFC 2449 PIPELINING), as one round trip.
      const { address, port, sessionId } = options.client;
      conn.write(`XCLIENT ADDR=${unmapIpv4(address)} PORT=${port} SESSION=${sessionId}\r\n`);
      this.#pending++;
    }
  }

  async login(conn: BackendConnection, credentials: Credentials): Promise<BackendLoginResult> {
    if (credentials.mechanism === 'plain') {
      conn.write(`AUTH PLAIN ${encodeSaslPlain(credentials)}\r\n`);
      await this.#drainPending(conn);
      return this.#result(await conn.readLine());
    }
    // USER and PASS together: the connection is closed anyway if USER is refused.
    conn.write(
      Buffer.concat([
        Buffer.from(`USER ${credentials.username}\r\nPASS `, 'utf8'),
        credentials.password,
        Buffer.from('\r\n'),
      ]),
    );
    await this.#drainPending(conn);
    const user = await conn.readLine();
    if (!OK.test(user)) return this.#result(user);
    return this.#result(await conn.readLine());
  }

  async logout(conn: BackendConnection): Promise<void> {
    await this.#drainPending(conn);
    conn.write('QUIT\r\n');
    await conn.readLine();
  }

  /** -ERR to XCLIENT just means the backend does not trust us with it. */
  async #drainPending(conn: BackendConnection): Promise<void> {
    for (; this.#pending > 0; this.#pending--) await conn.readLine();
  }

  #result(line: string): BackendLoginResult {
    if (!OK.test(line) && !/^-ERR\b/i.test(line))
      return { ok: false, reply: '-ERR [SYS/TEMP] Bad reply from backend.\r\n' };
    return { ok: OK.test(line), reply: `${line}\r\n` };
  }
}
