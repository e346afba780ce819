import { unmapIpv4 } from '@lvs7/core';
import { BackendError } from '../errors.js';
import { quoteImap } from '../imap/imap-parser.js';
import { type Credentials, encodeSaslPlain } from '../protocol/sasl-plain.js';
import type { BackendConnection } from './backend-connection.js';
import type {
  BackendDriver,
  BackendLoginResult,
  BackendPrepareOptions,
  ClientInfo,
} from './backend-driver.js';

const CAPABILITY_CODE = /\[CAPABILITY ([^\]]*)\]/i;

/** IMAP ID parameters announcing the client (Dovecot trusts them from login_trusted_networks). */
export function idParameters(client: ClientInfo): string {
  const pairs: Array<readonly [string, string | null]> = [
    ...(client.id ?? []).filter(([key]) => !key.toLowerCase().startsWith('x-')),
    ['x-originating-ip', unmapIpv4(client.address)],
    ['x-originating-port', String(client.port)],
    ['x-connected-ip', unmapIpv4(client.localAddress)],
    ['x-connected-port', String(client.localPort)],
    ['x-session-ext-id', client.sessionId],
  ];
  const quote = (v: string | null) => (v === null ? 'NIL' : (quoteImap(Buffer.from(v, 'utf8')) ?? 'NIL'));
  return `(${pairs.map(([k, v]) => `${quote(k)} ${quote(v)}`).join(' ')})`;
}

/** lvs7 logging a client in to an IMAP backend (imap-login's proxy side). */
export class ImapBackend implements BackendDriver {
  #capabilities: Set<string> | undefined;
  #seq = 0;
  /** Tags of commands sent whose replies are not read yet (NO/BAD to ID just means it is ignored). */
  readonly #pending: string[] = [];

  async prepare(conn: BackendConnection, options: BackendPrepareOptions): Promise<void> {
    const greeting = await conn.readLine();
    if (!/^\* OK\b/i.test(greeting))
      throw new BackendError(conn.options.name, `bad greeting: ${greeting.slice(0, 80)}`, true);
    this.#capabilities = parseCapabilities(CAPABILITY_CODE.exec(greeting)?.[1]);
    if (options.startTls) {
      const tag = this.#tag();
      conn.write(`${tag} STARTTLS\r\n`);
      const reply = await this.#tagged(conn, tag, []);
      if (!/^\S+ OK\b/i.test(reply)) throw new BackendError(conn.options.name, 'STARTTLS refused', false);
      await conn.startTls();
      this.#capabilities = undefined;
    }
    if (this.#capabilities === undefined) await this.#queryCapabilities(conn, []);
    if (options.announce && options.client !== undefined) {
      const tag = this.#tag();
      // Not awaited: the reply is read with the login's (one round trip less, as Dovecot's proxy does).
      conn.write(`${tag} ID ${idParameters(options.client)}\r\n`);
      this.#pending.push(tag);
    }
  }

  async login(
    conn: BackendConnection,
    credentials: Credentials,
    clientTag: string,
  ): Promise<BackendLoginResult> {
    const tag = this.#tag();
    await this.#sendLogin(conn, credentials, tag);
    await this.#drainPending(conn);
    const untagged: string[] = [];
    const reply = await this.#tagged(conn, tag, untagged);
    const status = /^\S+ (OK|NO|BAD)\b/i.exec(reply)?.[1]?.toUpperCase();
    if (status === undefined) throw new BackendError(conn.options.name, 'bad login reply', false);
    const tagged = `${clientTag}${reply.slice(tag.length)}\r\n`;
    if (status !== 'OK') return { ok: false, reply: tagged };
    // Clients must learn the post-login capabilities: ask when the backend did not send them.
    const sent = CAPABILITY_CODE.test(reply) || untagged.some((l) => /^\* CAPABILITY /i.test(l));
    if (!sent) await this.#queryCapabilities(conn, untagged);
    return { ok: true, reply: untagged.map((l) => `${l}\r\n`).join('') + tagged };
  }

  async logout(conn: BackendConnection): Promise<void> {
    await this.#drainPending(conn);
    const tag = this.#tag();
    conn.write(`${tag} LOGOUT\r\n`);
    await this.#tagged(conn, tag, []);
  }

  #tag(): string {
    return `lvs7.${++this.#seq}`;
  }

  async #drainPending(conn: BackendConnection): Promise<void> {
    while (this.#pending.length > 0) await this.#tagged(conn, this.#pending.shift()!, []);
  }

  async #sendLogin(conn: BackendConnection, credentials: Credentials, tag: string): Promise<void> {
    const caps = this.#capabilities ?? new Set<string>();
    if (caps.has('AUTH=PLAIN') || credentials.authzid !== '') {
      const response = encodeSaslPlain(credentials);
      if (caps.has('SASL-IR')) {
        conn.write(`${tag} AUTHENTICATE PLAIN ${response}\r\n`);
        return;
      }
      conn.write(`${tag} AUTHENTICATE PLAIN\r\n`);
      await this.#drainPending(conn);
      await this.#continuation(conn, tag);
      conn.write(`${response}\r\n`);
      return;
    }
    const literalPlus = caps.has('LITERAL+');
    if (!literalPlus) await this.#drainPending(conn); // a continuation must not be mistaken for it
    const parts = [Buffer.from(credentials.username, 'utf8'), credentials.password];
    let head = `${tag} LOGIN`;
    for (const part of parts) {
      const quoted = quoteImap(part);
      if (quoted !== undefined) {
        head += ` ${quoted}`;
        continue;
      }
      conn.write(`${head} {${part.length}${literalPlus ? '+' : ''}}\r\n`);
      if (!literalPlus) await this.#continuation(conn, tag);
      conn.write(part);
      head = '';
    }
    conn.write(`${head}\r\n`);
  }

  /** Waits for `+` (a tagged reply instead means the command was refused early). */
  async #continuation(conn: BackendConnection, tag: string): Promise<void> {
    for (;;) {
      const line = await conn.readLine();
      if (line.startsWith('+')) return;
      if (line.startsWith(`${tag} `))
        throw new BackendError(conn.options.name, `refused: ${line.slice(0, 80)}`, false);
    }
  }

  async #queryCapabilities(conn: BackendConnection, relay: string[]): Promise<void> {
    const tag = this.#tag();
    conn.write(`${tag} CAPABILITY\r\n`);
    const untagged: string[] = [];
    await this.#tagged(conn, tag, untagged);
    const line = untagged.find((l) => /^\* CAPABILITY /i.test(l));
    this.#capabilities = parseCapabilities(line?.slice('* CAPABILITY '.length));
    if (line !== undefined) relay.push(line);
  }

  /** Reads to the tagged reply of `tag`, collecting untagged lines. */
  async #tagged(conn: BackendConnection, tag: string, untagged: string[]): Promise<string> {
    for (;;) {
      const line = await conn.readLine();
      if (line.startsWith(`${tag} `)) return line;
      if (/^\* BYE\b/i.test(line)) throw new BackendError(conn.options.name, line.slice(0, 120), false);
      if (line.startsWith('* ') && untagged.length < 100) untagged.push(line);
    }
  }
}

function parseCapabilities(text: string | undefined): Set<string> | undefined {
  if (text === undefined) return undefined;
  return new Set(text.trim().toUpperCase().split(/\s+/));
}
