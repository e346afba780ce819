import { decodeSaslPlain } from '../account/sasl-plain.js';
import { AuthenticationFailedError } from '../errors.js';
import type { Pop3Session } from './pop3-session.js';
import { Pop3State } from './pop3-state.js';

export interface Pop3Command {
  readonly states: readonly Pop3State[];
  /** `args` split on spaces; `rest` the raw text after the verb (passwords may contain spaces). */
  handle(session: Pop3Session, args: string[], rest: string): Promise<void> | void;
}

const AUTH = [Pop3State.Authorization];
const TRANS = [Pop3State.Transaction];
const ANY = [Pop3State.Authorization, Pop3State.Transaction];

/** Dovecot's default pop3_uidl_format %08Xu%08Xv (lower-case hex), so both servers give the same UIDLs. */
function uidl(session: Pop3Session, uid: number): string {
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  return `${hex(uid)}${hex(session.uidValidity)}`;
}

/** Writes a multi-line body with dot-stuffing and the final ".". */
function sendBody(session: Pop3Session, data: Buffer): void {
  let text = data.toString('latin1');
  if (!text.endsWith('\r\n')) text += '\r\n';
  const stuffed = text.replace(/^\./gm, '..');
  session.socket.write(Buffer.from(`${stuffed}.\r\n`, 'latin1'));
}

async function login(session: Pop3Session, user: string, password: string): Promise<void> {
  try {
    await session.login(await session.context.accounts.authenticate(user, password));
    session.ok('Logged in.');
  } catch (error) {
    session.fail(error);
    if (
      error instanceof AuthenticationFailedError &&
      ++session.authFailures >= session.context.limits.maxAuthFailures
    ) {
      session.close();
    }
  }
}

export const POP3_COMMANDS: Readonly<Record<string, Pop3Command>> = {
  CAPA: {
    states: ANY,
    handle(session) {
      const caps = ['TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'AUTH-RESP-CODE', 'USER', 'SASL PLAIN'];
      if (session.tlsAvailable) caps.push('STLS');
      caps.push(`IMPLEMENTATION lvs7`);
      session.ok('Capability list follows');
      session.socket.write(`${caps.join('\r\n')}\r\n.\r\n`);
    },
  },
  USER: {
    states: AUTH,
    handle(session, args) {
      if (args.length !== 1) return session.err('Syntax: USER name');
      session.pendingUser = args[0];
      session.ok();
    },
  },
  PASS: {
    states: AUTH,
    async handle(session, _args, rest) {
      const user = session.pendingUser;
      session.pendingUser = undefined;
      if (user === undefined) return session.err('No username given.');
      await login(session, user, rest);
    },
  },
  AUTH: {
    states: AUTH,
    async handle(session, args) {
      if (args.length === 0) {
        session.ok();
        session.socket.write('PLAIN\r\n.\r\n');
        return;
      }
      if (args[0]!.toUpperCase() !== 'PLAIN') return session.err('Unsupported authentication mechanism.');
      let response = args[1];
      if (response === undefined) {
        session.send('+ ');
        response = (await session.reader.readLine()) ?? '*';
      }
      if (response === '*') return session.err('Authentication aborted.');
      const credentials = decodeSaslPlain(response === '=' ? '' : response);
      if (!credentials || (credentials.authzid && credentials.authzid !== credentials.user)) {
        return session.err('Invalid AUTH PLAIN response.', 'AUTH');
      }
      await login(session, credentials.user, credentials.password);
    },
  },
  STLS: {
    states: AUTH,
    handle(session) {
      if (!session.tlsAvailable)
        return session.err(session.secure ? 'Already using TLS.' : 'TLS is not available.');
      session.ok('Begin TLS negotiation now.');
      session.startTls();
    },
  },
  STAT: {
    states: TRANS,
    handle(session) {
      const live = session.messages.filter((m) => !m.deleted);
      session.ok(`${live.length} ${live.reduce((sum, m) => sum + m.size, 0)}`);
    },
  },
  LIST: {
    states: TRANS,
    handle(session, args) {
      if (args.length > 0) {
        const message = session.message(args[0]);
        if (message) session.ok(`${args[0]} ${message.size}`);
        return;
      }
      session.ok(`${session.messages.filter((m) => !m.deleted).length} messages:`);
      const lines = session.messages.map((m, i) => (m.deleted ? '' : `${i + 1} ${m.size}\r\n`)).join('');
      session.socket.write(`${lines}.\r\n`);
    },
  },
  UIDL: {
    states: TRANS,
    handle(session, args) {
      if (args.length > 0) {
        const message = session.message(args[0]);
        if (message) session.ok(`${args[0]} ${uidl(session, message.uid)}`);
        return;
      }
      session.ok();
      const lines = session.messages
        .map((m, i) => (m.deleted ? '' : `${i + 1} ${uidl(session, m.uid)}\r\n`))
        .join('');
      session.socket.write(`${lines}.\r\n`);
    },
  },
  RETR: {
    states: TRANS,
    async handle(session, args) {
      const message = session.message(args[0]);
      if (!message) return;
      const loaded = await session.load(message.uid);
      if (!loaded) return session.err('Message was expunged by another session.');
      session.ok(`${loaded.data.length} octets`);
      sendBody(session, loaded.data);
    },
  },
  TOP: {
    states: TRANS,
    async handle(session, args) {
      const lines = Number(args[1]);
      if (args.length !== 2 || !Number.isInteger(lines) || lines < 0)
        return session.err('Syntax: TOP msg lines');
      const message = session.message(args[0]);
      if (!message) return;
      const loaded = await session.load(message.uid);
      if (!loaded) return session.err('Message was expunged by another session.');
      const { data, tree } = loaded;
      let end = tree.bodyStart;
      for (let n = 0; n < lines && end < data.length; n++) {
        const lf = data.indexOf(0x0a, end);
        end = lf < 0 ? data.length : lf + 1;
      }
      session.ok();
      sendBody(session, data.subarray(0, end));
    },
  },
  DELE: {
    states: TRANS,
    handle(session, args) {
      const message = session.message(args[0]);
      if (!message) return;
      message.deleted = true;
      session.ok('Marked to be deleted.');
    },
  },
  RSET: {
    states: TRANS,
    handle(session) {
      for (const m of session.messages) m.deleted = false;
      session.ok();
    },
  },
  NOOP: {
    states: TRANS,
    handle(session) {
      session.ok();
    },
  },
  QUIT: {
    states: ANY,
    async handle(session) {
      if (session.state === Pop3State.Transaction && session.handle) {
        session.state = Pop3State.Update;
        const doomed = session.messages.filter((m) => m.deleted).map((m) => m.uid);
        if (doomed.length > 0) await session.handle.mailbox.expunge(doomed);
      }
      session.ok(`${session.context.name} closing connection.`);
      session.close();
    },
  },
};
