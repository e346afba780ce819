import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerDataResult, type SMTPServerSession } from 'smtp-server';
import type { Account } from '../account/accounts.js';
import { MAILSTORE_ERRORS, type MailstoreError, MessageTooBigError } from '../errors.js';
import type { Deliverer } from './deliverer.js';

export interface DeliveryServerOptions {
  /** The node's name: greeting and Received headers. */
  readonly name: string;
  /** LMTP (a reply per recipient after DATA) or SMTP. */
  readonly lmtp: boolean;
  readonly host: string;
  readonly port: number;
  readonly deliverer: Deliverer;
  readonly logger: Logger;
  readonly maxMessageSize: number;
  readonly tls?: { readonly key: string; readonly cert: string } | undefined;
}

type SmtpError = Error & { responseCode: number };

function smtpError(error: MailstoreError): SmtpError {
  const [code] = MAILSTORE_ERRORS[error.code].smtp;
  // smtp-server adds the enhanced status code for the reply code.
  return Object.assign(new Error(error.message), { responseCode: code });
}

/**
 * LMTP or SMTP delivery on smtp-server: recipients are checked at RCPT
 * (unknown 550, disabled 550, over quota by declared SIZE 552, directory
 * down 451) and again when stored, each with its own reply in LMTP.
 */
export class DeliveryServer {
  readonly #options: DeliveryServerOptions;
  readonly #server: SMTPServer;
  readonly #accounts = new WeakMap<SMTPServerSession, Map<string, Account>>();

  constructor(options: DeliveryServerOptions) {
    this.#options = options;
    const { tls } = options;
    this.#server = new SMTPServer({
      lmtp: options.lmtp,
      name: options.name,
      banner: 'lvs7 mail node ready',
      logger: false,
      disableReverseLookup: true,
      // stop() should not wait 30 s for idle clients to leave.
      closeTimeout: 2000,
      authOptional: true,
      disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
      hideSTARTTLS: !tls,
      hideENHANCEDSTATUSCODES: false,
      ...(tls ? { key: tls.key, cert: tls.cert } : {}),
      size: options.maxMessageSize,
      onRcptTo: (address, session, callback) => {
        const from = session.envelope.mailFrom;
        const args = from === false ? false : from.args;
        const declared = args === false ? Number.NaN : Number(args.SIZE);
        options.deliverer
          .check(address.address, Number.isFinite(declared) && declared > 0 ? declared : undefined)
          .then((account) => {
            let known = this.#accounts.get(session);
            if (!known) this.#accounts.set(session, (known = new Map()));
            known.set(address.address, account);
            callback();
          })
          .catch((error: MailstoreError) => callback(smtpError(error)));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (chunk: Buffer) => {
          // Past the limit: keep reading to the end of DATA, stop keeping.
          size += chunk.length;
          if (size <= options.maxMessageSize) chunks.push(chunk);
        });
        stream.once('end', () => {
          if (size > options.maxMessageSize) {
            // An error answers every recipient (LMTP) or the one reply (SMTP).
            return callback(smtpError(new MessageTooBigError(size, options.maxMessageSize)));
          }
          void this.#deliverAll(Buffer.concat(chunks), session).then((results) => {
            if (options.lmtp) return callback(null, results);
            // SMTP has one reply: success if any recipient got it (the others were checked at RCPT).
            const ok = results.find((r) => typeof r === 'string');
            callback(ok === undefined ? (results[0] as Error) : null, ok as string);
          });
        });
      },
    });
    this.#server.on('error', (error) => options.logger.warn({ err: error.message }, 'delivery server error'));
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.server.off('error', reject);
        resolve();
      });
    });
    return this.#server.server.address() as AddressInfo;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #deliverAll(message: Buffer, session: SMTPServerSession): Promise<SMTPServerDataResult[]> {
    const known = this.#accounts.get(session);
    this.#accounts.delete(session);
    const envelope = {
      from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      helo: session.hostNameAppearsAs,
      remoteAddress: session.remoteAddress,
      protocol: this.#options.lmtp ? ('LMTP' as const) : ('ESMTP' as const),
      id: session.id,
    };
    const results: SMTPServerDataResult[] = [];
    // One recipient after the other: two recipients sharing a mailbox get distinct UIDs in order.
    for (const rcpt of session.envelope.rcptTo) {
      try {
        const result = await this.#options.deliverer.deliver(
          rcpt.address,
          message,
          envelope,
          known?.get(rcpt.address),
        );
        results.push(`<${rcpt.address}> ${result.uid} Saved`);
      } catch (error) {
        results.push(smtpError(error as MailstoreError));
      }
    }
    return results;
  }
}
